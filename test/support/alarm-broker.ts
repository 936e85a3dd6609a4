// A broker whose resource alarms a test can raise and clear: an in-process Warren (with a data
// directory, so the disk alarm works) through RunningBroker, or the RabbitMQ node WARREN_TEST_URL
// points at through rabbitmqctl set_vm_memory_high_watermark / set_disk_free_limit. Alarms block
// every publisher of a node, so against an external node the alarm tests run only when
// WARREN_TEST_ALARMS=1 says the node is one's own (never the shared reference on 5673).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/index.js';
import type { BrokerOptions, RunningBroker } from '../../src/index.js';
import { rabbitmqctl } from './rabbitmqctl.js';

export interface AlarmBroker {
  url: string;
  external: boolean;
  /** The in-process broker (null against RabbitMQ). */
  running: RunningBroker | null;
  /** Raises or clears the memory alarm; resolves once the node has it in effect (or cleared). */
  memoryAlarm(on: boolean): Promise<void>;
  diskAlarm(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Why alarm tests do not run here, or null when they do. */
export function alarmTestsSkipped(): string | null {
  if (!process.env.WARREN_TEST_URL || process.env.WARREN_TEST_ALARMS === '1') return null;
  return 'alarms would block every publisher of the shared reference node; set WARREN_TEST_ALARMS=1 against a node of your own';
}

export async function startAlarmBroker(options: Partial<BrokerOptions> = {}): Promise<AlarmBroker> {
  const external = process.env.WARREN_TEST_URL;
  if (external) {
    const waitFor = async (resource: string, on: boolean) => {
      for (let i = 0; i < 300; i++) {
        const alarms = rabbitmqctl('eval', 'rabbit_alarm:get_alarms().');
        if (alarms.includes(`resource_limit,${resource}`) === on) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the ${resource} alarm did not ${on ? 'go off' : 'clear'}`);
    };
    return {
      url: external,
      external: true,
      running: null,
      async memoryAlarm(on) {
        if (on) rabbitmqctl('set_vm_memory_high_watermark', 'absolute', '1000');
        else rabbitmqctl('set_vm_memory_high_watermark', '0.4');
        await waitFor('memory', on);
      },
      async diskAlarm(on) {
        rabbitmqctl('set_disk_free_limit', on ? '1000000GB' : '50MB');
        await waitFor('disk', on);
      },
      close: async () => {
        rabbitmqctl('set_vm_memory_high_watermark', '0.4');
        rabbitmqctl('set_disk_free_limit', '50MB');
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-alarms-'));
  const running = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir, ...options });
  return {
    url: `amqp://guest:guest@127.0.0.1:${running.port}`,
    external: false,
    running,
    // No process runs in a single byte, and no filesystem has 2^53 bytes free.
    memoryAlarm: async (on) => running.setMemoryHighWatermark(on ? { absolute: 1 } : { relative: 0.4 }),
    diskAlarm: (on) => running.setDiskFreeLimit(on ? Number.MAX_SAFE_INTEGER : 0),
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
