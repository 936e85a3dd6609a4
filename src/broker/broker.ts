import { VHost } from './vhost.js';

/** The whole model of one node: its virtual hosts. */
export class Broker {
  readonly vhosts = new Map<string, VHost>();

  addVhost(name: string): VHost {
    let v = this.vhosts.get(name);
    if (!v) this.vhosts.set(name, (v = new VHost(name)));
    return v;
  }

  vhost(name: string): VHost | undefined {
    return this.vhosts.get(name);
  }
}
