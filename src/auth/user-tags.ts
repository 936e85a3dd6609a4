/** User tags as RabbitMQ accepts them: a list, or one comma-separated string; null when neither. */
export function parseTags(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (typeof v === 'string') return v.split(',').map((t) => t.trim()).filter(Boolean);
  return null;
}
