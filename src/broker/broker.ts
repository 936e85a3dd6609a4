import { VHost } from './vhost.js';
import { Parameters } from './parameters.js';
import { GlobalCounters } from './message-stats.js';
import { limitsError, vhostLimitNames, VHOST_LIMITS_COMPONENT } from './limits.js';
import type { Limits } from './limits.js';
import { Shovels } from './shovel/shovels.js';
import { SHOVEL_COMPONENT } from './shovel/shovel-definition.js';

/** Told when vhosts come and go (durable storage keeps them). */
export interface VhostObserver {
  vhostAdded(v: VHost): void;
  vhostRemoved(v: VHost): void;
}

/** The whole model of one node: its virtual hosts. */
export class Broker {
  readonly vhosts = new Map<string, VHost>();
  observer: VhostObserver | null = null;
  /** Runtime parameters (rabbitmqctl set_parameter / /api/parameters). */
  readonly parameters = new Parameters();
  /** Node-wide message and churn counters (Prometheus rabbitmq_global_*). */
  readonly counters = new GlobalCounters();
  /** Dynamic shovels: the runtime parameters of component "shovel" at work. */
  readonly shovels = new Shovels(this.vhosts, this.parameters);

  constructor() {
    // Vhost limits are the runtime parameter vhost-limits/{vhost}/limits, as in RabbitMQ.
    this.parameters.register(VHOST_LIMITS_COMPONENT, {
      validate: (_vhost, _name, value) => limitsError(value, vhostLimitNames, 'limits'),
      changed: (vhost, _name, value) => {
        const v = this.vhosts.get(vhost);
        if (v) v.limits = (value ?? {}) as Limits;
      },
    });
    this.parameters.register(SHOVEL_COMPONENT, this.shovels.component);
  }

  addVhost(name: string): VHost {
    let v = this.vhosts.get(name);
    if (!v) {
      this.vhosts.set(name, (v = new VHost(name, this.counters)));
      this.observer?.vhostAdded(v);
    }
    return v;
  }

  /** Deletes a vhost with everything in it (queues are marked deleted so consumers are cancelled). */
  removeVhost(name: string): boolean {
    const v = this.vhosts.get(name);
    if (!v) return false;
    for (const q of [...v.queues.values()]) v.removeQueue(q);
    for (const e of [...v.exchanges.keys()]) if (e !== '' && !e.startsWith('amq.')) v.deleteExchange(e, false);
    this.parameters.clearVhost(name);
    this.vhosts.delete(name);
    this.observer?.vhostRemoved(v);
    return true;
  }

  vhost(name: string): VHost | undefined {
    return this.vhosts.get(name);
  }
}
