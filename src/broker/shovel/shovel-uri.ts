// The AMQP URIs of a dynamic shovel's source and destination, read as RabbitMQ's amqp_uri reads
// them. Warren runs shovels inside the node: a URI without a host (amqp://, amqp:///vhost) is
// RabbitMQ's "direct" connection to the local node; one naming this node (localhost on one of its
// AMQP ports) is taken as the same thing. Any other host is a remote broker, which Warren's
// shovels do not reach (see ShovelUri.local).
import { erlangString } from '../erlang-format.js';

export interface ShovelUri {
  /** The URI as given (status and listings show it unchanged). */
  readonly text: string;
  /** The virtual host it names: the path, percent-decoded; "/" when there is none. */
  readonly vhost: string;
  /** Host as written ('' for amqp:// and amqp:///vhost). */
  readonly host: string;
  /** Port as written, or the scheme's default (5672, 5671 for amqps). */
  readonly port: number;
}

const localHosts = new Set(['', 'localhost', '127.0.0.1', '[::1]', '::1']);

/** Parses an amqp:// or amqps:// URI; a string is an error text in RabbitMQ's words. */
export function parseShovelUri(text: string): ShovelUri | string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1];
  const quoted = erlangString(Buffer.from(text, 'utf8'));
  if (scheme === undefined) return `${quoted} not a valid URI: {malformed_uri,${quoted}}`;
  if (scheme !== 'amqp' && scheme !== 'amqps') return `${quoted} not a valid URI: {{unexpected_uri_scheme,${erlangString(Buffer.from(scheme))}},${quoted}}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${quoted} not a valid URI: {malformed_uri,${quoted}}`;
  }
  let vhost = '/';
  if (url.pathname !== '') {
    try {
      vhost = decodeURIComponent(url.pathname.slice(1));
    } catch {
      return `${quoted} not a valid URI: {malformed_uri,${quoted}}`;
    }
  }
  const port = url.port === '' ? (scheme === 'amqps' ? 5671 : 5672) : Number(url.port);
  return { text, vhost, host: url.hostname, port };
}

/**
 * Whether the URI reaches this node: no host at all, or a loopback host on one of `localPorts`
 * (the node's AMQP listeners). A loopback host on another port is another broker on this machine.
 */
export function isLocalUri(uri: ShovelUri, localPorts: ReadonlySet<number>): boolean {
  if (uri.host === '') return true;
  return localHosts.has(uri.host) && localPorts.has(uri.port);
}
