import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';

/**
 * RabbitMQ 3.10.8's feature flags, as GET /api/feature-flags lists them, all enabled: Warren
 * behaves as a 3.10.8 node with every flag on (implicit default bindings, quorum queues, user
 * limits, vhost metadata...) and has no older behaviour to switch back to. Tools that check a flag
 * before using a feature (the Kubernetes operator, upgrade scripts) find it enabled.
 */
const flags: [name: string, desc: string, docUrl: string, providedBy: string][] = [
  ['classic_mirrored_queue_version', 'Support setting version for classic mirrored queues', '', 'rabbit'],
  ['drop_unroutable_metric', 'Count unroutable publishes to be dropped in stats', '', 'rabbitmq_management_agent'],
  ['empty_basic_get_metric', 'Count AMQP `basic.get` on empty queues in stats', '', 'rabbitmq_management_agent'],
  ['implicit_default_bindings', 'Default bindings are now implicit, instead of being stored in the database', '', 'rabbit'],
  ['maintenance_mode_status', 'Maintenance mode status', '', 'rabbit'],
  ['quorum_queue', 'Support queues of type `quorum`', 'https://www.rabbitmq.com/quorum-queues.html', 'rabbit'],
  ['stream_queue', 'Support queues of type `stream`', 'https://www.rabbitmq.com/stream.html', 'rabbit'],
  ['user_limits', 'Configure connection and channel limits for a user', '', 'rabbit'],
  ['virtual_host_metadata', 'Virtual host metadata (description, tags, etc)', '', 'rabbit'],
];

export const featureFlags = () =>
  flags.map(([name, desc, doc_url, provided_by]) => ({ name, desc, doc_url, state: 'enabled', stability: 'stable', provided_by }));

export function registerFeatureFlags(router: Router, _ctx: ManagementContext): void {
  router.add('GET', '/api/feature-flags', 'administrator', () => ({ status: 200, body: featureFlags() }));
  // Enabling a flag that is already on succeeds; RabbitMQ refuses a name it does not know.
  router.add('PUT', '/api/feature-flags/:name/enable', 'administrator', (req) => {
    if (!flags.some(([name]) => name === req.params.name)) throw httpErrors.badRequest('unsupported');
    return { status: 204 };
  });
}
