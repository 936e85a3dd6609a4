// RabbitMQ's feature abbreviations for queues and exchanges (D, AD, TTL, DLX ...), with the full
// meaning on hover.
import type { Args } from '../types';
import { fmtValue } from '../format';

const argLabels: Record<string, string> = {
  'x-message-ttl': 'TTL',
  'x-expires': 'Exp',
  'x-max-length': 'Lim',
  'x-max-length-bytes': 'Lim B',
  'x-overflow': 'Ovfl',
  'x-dead-letter-exchange': 'DLX',
  'x-dead-letter-routing-key': 'DLK',
  'x-max-priority': 'Pri',
  'x-single-active-consumer': 'SAC',
  'x-delivery-limit': 'DLim',
  'x-queue-mode': 'Mode',
  'alternate-exchange': 'AE',
  'x-delayed-type': 'Delayed',
};

export function FeatureTags(props: { durable: boolean; autoDelete: boolean; exclusive?: boolean; internal?: boolean; args: Args; policy?: string | null }) {
  const tags: [string, string][] = [];
  if (props.durable) tags.push(['D', 'durable']);
  if (props.autoDelete) tags.push(['AD', 'auto-delete']);
  if (props.exclusive) tags.push(['Excl', 'exclusive']);
  if (props.internal) tags.push(['I', 'internal']);
  const other: string[] = [];
  for (const [k, v] of Object.entries(props.args)) {
    if (k === 'x-queue-type') continue;
    const label = argLabels[k];
    if (label) tags.push([label, `${k}: ${fmtValue(v)}`]);
    else other.push(`${k}: ${fmtValue(v)}`);
  }
  if (other.length > 0) tags.push(['Args', other.join('\n')]);
  return (
    <span class="tags">
      {tags.map(([t, title]) => <abbr key={t} class="pill" title={title}>{t}</abbr>)}
      {props.policy && <span class="pill policy" title="Policy">{props.policy}</span>}
    </span>
  );
}
