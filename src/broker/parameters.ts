/** A runtime parameter (component, vhost, name → JSON value), as rabbitmqctl set_parameter defines it. */
export interface Parameter {
  readonly component: string;
  readonly vhost: string;
  readonly name: string;
  readonly value: unknown;
}

export interface ParameterObserver {
  parameterChanged(p: Parameter): void;
  parameterRemoved(component: string, vhost: string, name: string): void;
}

/**
 * Runtime parameters of all vhosts. Warren keeps and persists them (definitions import/export
 * carries them) so plugins' configuration round-trips; components give them meaning.
 */
export class Parameters {
  private readonly entries = new Map<string, Parameter>();
  observer: ParameterObserver | null = null;

  private static key(component: string, vhost: string, name: string): string {
    return `${component}\u0000${vhost}\u0000${name}`;
  }

  set(p: Parameter): boolean {
    const k = Parameters.key(p.component, p.vhost, p.name);
    const existed = this.entries.has(k);
    this.entries.set(k, p);
    this.observer?.parameterChanged(p);
    return existed;
  }

  get(component: string, vhost: string, name: string): Parameter | undefined {
    return this.entries.get(Parameters.key(component, vhost, name));
  }

  clear(component: string, vhost: string, name: string): boolean {
    if (!this.entries.delete(Parameters.key(component, vhost, name))) return false;
    this.observer?.parameterRemoved(component, vhost, name);
    return true;
  }

  list(component?: string, vhost?: string): Parameter[] {
    return [...this.entries.values()].filter((p) => (component === undefined || p.component === component) && (vhost === undefined || p.vhost === vhost));
  }
}
