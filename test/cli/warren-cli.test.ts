// The `warren` command: flags, WARREN_* and RABBITMQ_DEFAULT_* environment, rabbitmq.conf files,
// configuration errors, clean shutdown on SIGTERM.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { freePort } from '../support/child-broker.js';

const cli = fileURLToPath(new URL('../../src/cli/warren.js', import.meta.url));

interface Run {
  stderr: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/** Every warren started here; any still running when the file ends (a failed test) is killed. */
const children = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}): Run {
  // HTTP and metrics on free ports (the defaults 15672 and 15692 may be taken by another run).
  const child = spawn(process.execPath, [cli, '--http-port', '0', '--metrics-port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  return {
    stderr: () => stderr,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitForLog(r: Run, pattern: RegExp, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(r.stderr())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'warren-cli-'));

describe('warren command', () => {
  test('flags set the port and data directory; SIGTERM shuts down cleanly with exit code 0', async () => {
    const port = await freePort();
    const r = run(['--amqp-port', String(port), '--host', '127.0.0.1', '--data-dir', tmp()]);
    await waitForLog(r, /info listening protocol=amqp .* port=\d+/);
    const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
    let closedByServer = '';
    c.on('error', (e: Error) => (closedByServer += e.message));
    c.on('close', (e?: Error) => (closedByServer += e?.message ?? ''));
    assert.equal(await r.stop(), 0);
    await new Promise((res) => setTimeout(res, 100));
    assert.match(closedByServer, /320|CONNECTION_FORCED/);
    assert.match(r.stderr(), /info stopped/);
  });

  test('a rabbitmq.conf file sets listeners.tcp.default and default_user/pass; unknown keys are reported', async () => {
    const port = await freePort();
    const dir = tmp();
    const conf = join(dir, 'rabbitmq.conf');
    writeFileSync(conf, `# comment\nlisteners.tcp.default = ${port}\ndefault_user = alice\ndefault_pass = wonderland\ncluster_partition_handling = autoheal\n`);
    const r = run(['--config', conf, '--host', '127.0.0.1', '--data-dir', join(dir, 'data')]);
    await waitForLog(r, /listening/);
    assert.match(r.stderr(), /warning config_key_unsupported key=cluster_partition_handling/);
    const c = await amqp.connect(`amqp://alice:wonderland@127.0.0.1:${port}`);
    await c.close();
    await r.stop();
  });

  test('flags override the environment, which overrides the config file', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const dir = tmp();
    const conf = join(dir, 'rabbitmq.conf');
    writeFileSync(conf, `listeners.tcp.default = ${filePort}\n`);
    const viaEnv = run(['--config', conf, '--host', '127.0.0.1', '--data-dir', join(dir, 'a')], { WARREN_AMQP_PORT: String(envPort) });
    await waitForLog(viaEnv, new RegExp(`port=${envPort}`));
    await viaEnv.stop();
    const viaFlag = run(['--config', conf, '--amqp-port', String(flagPort), '--host', '127.0.0.1', '--data-dir', join(dir, 'b')], {
      WARREN_AMQP_PORT: String(envPort),
    });
    await waitForLog(viaFlag, new RegExp(`port=${flagPort}`));
    await viaFlag.stop();
  });

  test('RABBITMQ_DEFAULT_USER, _PASS and _VHOST create the first user and vhost (Kubernetes manifests)', async () => {
    const port = await freePort();
    const r = run(['--amqp-port', String(port), '--host', '127.0.0.1', '--data-dir', tmp()], {
      RABBITMQ_DEFAULT_USER: 'svc', RABBITMQ_DEFAULT_PASS: 'pw', RABBITMQ_DEFAULT_VHOST: 'apps',
    });
    await waitForLog(r, /listening/);
    const c = await amqp.connect(`amqp://svc:pw@127.0.0.1:${port}/apps`);
    await c.close();
    await r.stop();
  });

  test('an invalid value stops the start with a message naming the key', async () => {
    const dir = tmp();
    const conf = join(dir, 'rabbitmq.conf');
    writeFileSync(conf, 'heartbeat = often\n');
    const r = run(['--config', conf, '--data-dir', join(dir, 'data')]);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /configuration error: heartbeat: expected an integer, got 'often'/);
  });

  test('--help prints the options', async () => {
    const child = spawn(process.execPath, [cli, '--help']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((res) => child.once('exit', res));
    assert.equal(code, 0);
    assert.match(out, /--amqp-port P/);
    assert.match(out, /RABBITMQ_DEFAULT_USER/);
  });
});
