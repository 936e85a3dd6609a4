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
  globalParameterChanged?(name: string, value: unknown): void;
  globalParameterRemoved?(name: string): void;
}

/**
 * What a component (vhost-limits, shovel...) does with its parameters: refuse invalid values with
 * RabbitMQ's validation text, and act on every change (value undefined: cleared).
 */
export interface ParameterComponent {
  validate?(vhost: string, name: string, value: unknown): string | undefined;
  changed?(vhost: string, name: string, value: unknown): void;
}

/**
 * Runtime parameters of all vhosts. Warren keeps and persists them (definitions import/export
 * carries them) so plugins' configuration round-trips; components give them meaning.
 */
export class Parameters {
  private readonly entries = new Map<string, Parameter>();
  observer: ParameterObserver | null = null;
  private readonly components = new Map<string, ParameterComponent>();

  /** Gives a component's parameters their meaning (see ParameterComponent). */
  register(component: string, c: ParameterComponent): void {
    this.components.set(component, c);
  }

  /** Why this parameter would be refused (the component's validation text), or undefined. */
  validate(p: Parameter): string | undefined {
    return this.components.get(p.component)?.validate?.(p.vhost, p.name, p.value);
  }

  private static key(component: string, vhost: string, name: string): string {
    return `${component}\u0000${vhost}\u0000${name}`;
  }

  set(p: Parameter): boolean {
    const k = Parameters.key(p.component, p.vhost, p.name);
    const existed = this.entries.has(k);
    this.entries.set(k, p);
    this.observer?.parameterChanged(p);
    this.components.get(p.component)?.changed?.(p.vhost, p.name, p.value);
    return existed;
  }

  get(component: string, vhost: string, name: string): Parameter | undefined {
    return this.entries.get(Parameters.key(component, vhost, name));
  }

  clear(component: string, vhost: string, name: string): boolean {
    if (!this.entries.delete(Parameters.key(component, vhost, name))) return false;
    this.observer?.parameterRemoved(component, vhost, name);
    this.components.get(component)?.changed?.(vhost, name, undefined);
    return true;
  }

  /** Clears every parameter of a vhost (the vhost is being deleted). */
  clearVhost(vhost: string): void {
    for (const p of this.list(undefined, vhost)) this.clear(p.component, p.vhost, p.name);
  }

  /** Global parameters (rabbitmqctl set_global_parameter; cluster_name is one), by name. */
  readonly globals: ReadonlyMap<string, unknown> = new Map<string, unknown>();

  setGlobal(name: string, value: unknown): boolean {
    const existed = this.globals.has(name);
    (this.globals as Map<string, unknown>).set(name, value);
    this.observer?.globalParameterChanged?.(name, value);
    return existed;
  }

  clearGlobal(name: string): boolean {
    if (!(this.globals as Map<string, unknown>).delete(name)) return false;
    this.observer?.globalParameterRemoved?.(name);
    return true;
  }

  list(component?: string, vhost?: string): Parameter[] {
    return [...this.entries.values()].filter((p) => (component === undefined || p.component === component) && (vhost === undefined || p.vhost === vhost));
  }
}
