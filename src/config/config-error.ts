/** A configuration problem that must stop the start, naming the offending key. */
export class ConfigError extends Error {}
