/** A definitions document that cannot be applied (HTTP answers 400; at boot the start stops). */
export class DefinitionsError extends Error {}
