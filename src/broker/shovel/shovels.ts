// The dynamic shovels of a node: one per runtime parameter of component "shovel", started when
// the parameter is set (also when restored at boot or imported with definitions), stopped when it
// is cleared. GET /api/shovels and warrenctl shovel_status read their states from here.
import type { ParameterComponent, Parameters } from '../parameters.js';
import type { VHost } from '../vhost.js';
import { Shovel } from './shovel.js';
import type { ShovelHost } from './shovel.js';
import { parseShovelDefinition, shovelValueError, SHOVEL_COMPONENT } from './shovel-definition.js';

export class Shovels implements ShovelHost {
  private readonly shovels = new Map<string, Shovel>();
  /** The node's AMQP ports (set once the listeners are bound). */
  localPorts: ReadonlySet<number> = new Set();
  nodeName = 'warren@localhost';

  constructor(
    private readonly vhosts: ReadonlyMap<string, VHost>,
    private readonly parameters: Parameters,
  ) {}

  /** The "shovel" runtime-parameter component: validation and starting/stopping. */
  readonly component: ParameterComponent = {
    validate: (_vhost, name, value) => shovelValueError(name, value, this.localPorts),
    changed: (vhost, name, value) => {
      this.remove(vhost, name);
      if (value !== undefined) this.add(vhost, name, value);
    },
  };

  private static key(vhost: string, name: string): string {
    return `${vhost}\u0000${name}`;
  }

  private add(vhost: string, name: string, value: unknown): void {
    // A value restored from disk is not validated on the way in. One naming another broker (or
    // this node before its ports are known) still gets a shovel, terminated with the reason.
    if (shovelValueError(name, value, this.localPorts, false) !== undefined) return;
    const s = new Shovel(vhost, name, parseShovelDefinition(value as Record<string, unknown>), this);
    this.shovels.set(Shovels.key(vhost, name), s);
    s.start();
  }

  private remove(vhost: string, name: string): void {
    const k = Shovels.key(vhost, name);
    this.shovels.get(k)?.stop();
    this.shovels.delete(k);
  }

  vhost(name: string): VHost | undefined {
    return this.vhosts.get(name);
  }

  finished(s: Shovel): void {
    if (this.shovels.get(Shovels.key(s.vhost, s.name)) === s) this.parameters.clear(SHOVEL_COMPONENT, s.vhost, s.name);
  }

  get(vhost: string, name: string): Shovel | undefined {
    return this.shovels.get(Shovels.key(vhost, name));
  }

  /** Every shovel, or those of one vhost, ordered by vhost then name. */
  list(vhost?: string): Shovel[] {
    return [...this.shovels.values()]
      .filter((s) => vhost === undefined || s.vhost === vhost)
      .sort((a, b) => (a.vhost === b.vhost ? (a.name < b.name ? -1 : 1) : a.vhost < b.vhost ? -1 : 1));
  }

  /** Stops and starts a shovel again (DELETE /api/shovels/vhost/{vhost}/{name}/restart). */
  restart(vhost: string, name: string): boolean {
    const s = this.get(vhost, name);
    s?.restart();
    return s !== undefined;
  }

  /** Deletes a shovel: its parameter goes, which stops it. */
  delete(vhost: string, name: string): boolean {
    return this.parameters.clear(SHOVEL_COMPONENT, vhost, name);
  }

  /** The listeners are bound: shovels whose URIs name this node by host and port can now start. */
  setLocalPorts(ports: number[]): void {
    this.localPorts = new Set(ports);
    for (const s of this.shovels.values()) if (s.state !== 'running') s.restart();
  }

  /** The node is shutting down. */
  stopAll(): void {
    for (const s of this.shovels.values()) s.stop();
  }
}
