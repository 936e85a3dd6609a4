import { VHost } from './vhost.js';

/** Told when vhosts come and go (durable storage keeps them). */
export interface VhostObserver {
  vhostAdded(v: VHost): void;
  vhostRemoved(v: VHost): void;
}

/** The whole model of one node: its virtual hosts. */
export class Broker {
  readonly vhosts = new Map<string, VHost>();
  observer: VhostObserver | null = null;

  addVhost(name: string): VHost {
    let v = this.vhosts.get(name);
    if (!v) {
      this.vhosts.set(name, (v = new VHost(name)));
      this.observer?.vhostAdded(v);
    }
    return v;
  }

  vhost(name: string): VHost | undefined {
    return this.vhosts.get(name);
  }
}
