// Network namespaces for partition tests (needs root and iproute2's `ip`): each Warren node runs
// in its own namespace with two links to the root namespace, where etcd and the test run:
//   cluster link  veth on a bridge (10.A.B.0/25): etcd on .1, node i on .(10+i); the nodes reach
//                 etcd and each other only through it;
//   client link   a point-to-point veth (10.A.B.(128+4i)/30): the test's clients and HTTP checks.
// Cutting a node's cluster link partitions it from etcd and the other nodes while the test can
// still publish to it. Names and subnets derive from the pid, so concurrent runs do not collide.
import { execFileSync } from 'node:child_process';
import type { NodePlacement } from './cluster.js';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Null when network namespaces can be made here; otherwise why not. */
export function netnsUnavailable(): string | null {
  const probe = `wprobe${process.pid % 100000}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns unavailable (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()})`;
  }
}

export interface NetnsLayout {
  /** Address etcd listens on (the bridge, in the root namespace). */
  readonly etcdHost: string;
  placement(index: number): NodePlacement;
  /** Cuts node `index`'s cluster link (the client link stays). */
  cut(index: number): void;
  heal(index: number): void;
  close(): void;
}

export function createNetnsLayout(nodes: number): NetnsLayout {
  const id = process.pid % 100000;
  const a = 100 + ((process.pid >> 8) % 100);
  const b = process.pid % 256;
  const net = `10.${a}.${b}`;
  const bridge = `w${id}br`;
  const ns = (i: number) => `w${id}n${i}`;
  const made: string[] = [];
  const layout: NetnsLayout = {
    etcdHost: `${net}.1`,
    placement: (i) => ({ wrap: ['ip', 'netns', 'exec', ns(i)], bindHost: '0.0.0.0', advertiseHost: `${net}.${10 + i}`, clientHost: `${net}.${130 + 4 * i}` }),
    cut: (i) => ip('link', 'set', `w${id}c${i}`, 'down'),
    heal: (i) => ip('link', 'set', `w${id}c${i}`, 'up'),
    close() {
      for (const name of made.reverse()) {
        try {
          if (name.startsWith('ns:')) ip('netns', 'del', name.slice(3));
          else ip('link', 'del', name);
        } catch { /* already gone (a namespace takes its links with it) */ }
      }
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    made.push(bridge);
    ip('addr', 'add', `${net}.1/25`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 0; i < nodes; i++) {
      ip('netns', 'add', ns(i));
      made.push(`ns:${ns(i)}`);
      ip('netns', 'exec', ns(i), 'ip', 'link', 'set', 'lo', 'up');
      // Cluster link: root end on the bridge, node end in the namespace.
      ip('link', 'add', `w${id}c${i}`, 'type', 'veth', 'peer', 'name', `w${id}x${i}`);
      made.push(`w${id}c${i}`);
      ip('link', 'set', `w${id}c${i}`, 'master', bridge, 'up');
      ip('link', 'set', `w${id}x${i}`, 'netns', ns(i));
      ip('netns', 'exec', ns(i), 'ip', 'addr', 'add', `${net}.${10 + i}/25`, 'dev', `w${id}x${i}`);
      ip('netns', 'exec', ns(i), 'ip', 'link', 'set', `w${id}x${i}`, 'up');
      // Client link: a /30 of its own, no route to the bridge's subnet through it.
      ip('link', 'add', `w${id}k${i}`, 'type', 'veth', 'peer', 'name', `w${id}y${i}`);
      made.push(`w${id}k${i}`);
      ip('addr', 'add', `${net}.${129 + 4 * i}/30`, 'dev', `w${id}k${i}`);
      ip('link', 'set', `w${id}k${i}`, 'up');
      ip('link', 'set', `w${id}y${i}`, 'netns', ns(i));
      ip('netns', 'exec', ns(i), 'ip', 'addr', 'add', `${net}.${130 + 4 * i}/30`, 'dev', `w${id}y${i}`);
      ip('netns', 'exec', ns(i), 'ip', 'link', 'set', `w${id}y${i}`, 'up');
    }
  } catch (err) {
    layout.close();
    throw err;
  }
  return layout;
}
