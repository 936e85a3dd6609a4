// Connection flood and channel churn against a Warren process, with its memory after a full GC
// before, at the peak and after (the leak check of test/integration/connection-flood.test.ts,
// with bigger numbers and the figures printed). Run after `npm run build`:
//   node bench/connection-flood.mjs [connections=20000] [channels-per-connection=40000] [concurrency=100]
import { startMeasuredBroker } from '../dist/test/support/measured-broker.js';
import { channelChurn, confirmingTraffic, connectionFlood } from '../dist/test/support/flood.js';

const [connections = 20000, perConnection = 40000, concurrency = 100] = process.argv.slice(2).map(Number);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const show = (label, m) => console.log(`${label.padEnd(28)} rss ${mb(m.rss).padStart(9)}  heap ${mb(m.heapUsed).padStart(8)}  external ${mb(m.external).padStart(8)}`);
const settle = async (b) => {
  for (let i = 0; i < 600 && (await b.connections()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
};

const broker = await startMeasuredBroker();
try {
  await connectionFlood(broker.port, 500, 50);
  await settle(broker);
  const baseline = await broker.memory();
  show('baseline (after warm-up)', baseline);

  const traffic = await confirmingTraffic(broker.url);
  const flood = await connectionFlood(broker.port, connections, concurrency);
  let t = await traffic.stop();
  const lostFlood = t.confirmed - [...Array(t.confirmed).keys()].filter((i) => t.received.has(i)).length;
  console.log(`flood: ${flood.attempts} connections in ${flood.ms} ms (${Math.round(flood.attempts / (flood.ms / 1000))}/s): ` +
    `${flood.droppedBeforeLogin} dropped before login, ${flood.droppedDuringLogin} during login, ${flood.droppedOpen} dropped open, ` +
    `${flood.closedProperly} closed properly, ${flood.failed} failed; publisher: ${t.confirmed} confirmed, ${lostFlood} lost`);
  await settle(broker);
  show('after the flood', await broker.memory());

  const traffic2 = await confirmingTraffic(broker.url);
  const churn = await channelChurn(broker.port, 3, perConnection, 100);
  t = await traffic2.stop();
  const lostChurn = t.confirmed - [...Array(t.confirmed).keys()].filter((i) => t.received.has(i)).length;
  console.log(`churn: ${churn.channels} channels opened and closed on 3 connections in ${churn.ms} ms ` +
    `(${Math.round(churn.channels / (churn.ms / 1000))}/s); publisher: ${t.confirmed} confirmed, ${lostChurn} lost`);
  await settle(broker);
  show('after the churn', await broker.memory());
  console.log(`connections left: ${await broker.connections()}; broker alive: ${broker.process.exitCode === null}`);
} finally {
  await broker.stop();
}
