/**
 * What each management API route does, for the OpenAPI document (src/http/openapi.ts, served at
 * /api/docs and committed as docs/openapi.json). Kept apart from the controllers so that they stay
 * about behaviour. Keyed by "METHOD path" exactly as the route is registered; a route missing here
 * still appears in the document, marked undocumented (`npm run gen:docs` lists such routes).
 */
export interface RouteDoc {
  summary: string;
  /** Query parameters the route reads, with what they do. */
  query?: Record<string, string>;
  /** An example request body (PUT/POST). */
  body?: unknown;
}

/** Descriptions of path parameters, by name. */
export const pathParameterDocs: Record<string, string> = {
  vhost: "virtual host name, percent-encoded (the default vhost '/' is %2F)",
  name: 'object name, percent-encoded',
  user: 'user name',
  node: 'node name, as in GET /api/nodes',
  component: "runtime parameter component, e.g. 'federation-upstream' or 'shovel'",
  source: 'source exchange name',
  dest: 'destination queue or exchange name',
  props: "a binding's properties_key, as returned in its listing",
  port: 'a TCP port number',
  protocol: "a listener protocol: amqp (also amqp091), amqp/ssl (amqps), http, http/prometheus",
  within: 'a whole number of units',
  unit: 'days, weeks, months or years',
};

const exchangeBody = { type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} };
const queueBody = { durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } };
const bindingBody = { routing_key: 'video.#', arguments: {} };

/** The list parameters every JSON answer takes (src/http/pagination.ts). */
const listQuery = {
  sort: 'column to sort by (dotted for nested fields, e.g. message_stats.publish); default vhost, then name',
  sort_reverse: 'true: reverse the order',
  columns: 'comma-separated columns to keep (dotted for nested fields)',
};
/** The paginated listings' parameters. */
const pageQuery = {
  ...listQuery,
  page: 'page number (from 1): the answer becomes {filtered_count, item_count, items, page, page_count, page_size, total_count}',
  page_size: 'items per page (default 100, at most 500)',
  name: 'with page: keep names containing this text (case-insensitive)',
  use_regex: 'true: name is a regular expression (case-insensitive)',
};

export const routeDocs: Record<string, RouteDoc> = {
  'GET /api/overview': { summary: 'Broker overview: versions, node, listeners, object totals, queued message totals' },
  'GET /api/whoami': { summary: 'The authenticated user and its tags' },
  'GET /api/nodes': { summary: 'The nodes (Warren: this node), with memory, disk and alarm state' },
  'GET /api/nodes/:node': { summary: 'One node', query: { memory: 'true: add the memory breakdown (as /api/nodes/{node}/memory)' } },
  'GET /api/nodes/:node/memory': { summary: "RabbitMQ's memory breakdown filled from process.memoryUsage(): JS heap in other_proc, Buffers in binary, unused heap in allocated_unused, the rest of the RSS in reserved_unallocated; categories V8 cannot tell apart are 0" },
  'GET /api/nodes/:node/memory/relative': { summary: 'The memory breakdown in whole percent of the resident set size (total: 100)' },
  'GET /api/nodes/:node/memory/ets': { summary: "Memory per ETS table, as RabbitMQ reports it; Warren has no ETS tables, so only total (0)" },
  'GET /api/nodes/:node/memory/ets/relative': { summary: 'ETS tables\' shares of their total; only total (100) on Warren' },
  'GET /api/nodes/:node/memory/ets/:filter': { summary: 'Memory of the ETS tables matching a name: "no_tables" on Warren, as RabbitMQ answers when none matches' },
  'GET /api/nodes/:node/memory/ets/:filter/relative': { summary: 'As /ets/{filter}, relative: "no_tables" on Warren' },
  'GET /api/feature-flags': { summary: "RabbitMQ 3.10.8's feature flags, all enabled" },
  'PUT /api/feature-flags/:name/enable': { summary: 'Enable a feature flag: 204 for a known flag (all are enabled already), 400 "unsupported" for an unknown name' },
  'DELETE /api/reset': { summary: 'Reset the management statistics: message_stats count from zero again and rate histories are dropped (/metrics is not affected)' },
  'DELETE /api/reset/:node': { summary: 'Reset the management statistics of one node (Warren: this node; 404 for another)' },
  'POST /api/rebalance/queues': { summary: 'Rebalance queue leaders: nothing to do (one node serves every queue); 204' },
  'GET /api/auth/attempts/:node': { summary: 'Login attempts per protocol (amqp091, http): attempts, failed, succeeded' },
  'GET /api/auth/attempts/:node/source': { summary: 'Login attempts per source: always empty (sources are not tracked, as RabbitMQ by default)' },
  'DELETE /api/auth/attempts/:node': { summary: 'Reset the login attempt counters' },
  'POST /api/login': { summary: 'Check a form login (username, password; application/x-www-form-urlencoded): 200 "ok" and the auth cookie, or 401' },

  'GET /api/vhosts': { summary: 'Virtual hosts the user may see', query: pageQuery },
  'GET /api/vhosts/:vhost': { summary: 'One virtual host' },
  'PUT /api/vhosts/:vhost': { summary: 'Create a virtual host (the creating user gets full permissions on it)' },
  'DELETE /api/vhosts/:vhost': { summary: 'Delete a virtual host and everything in it' },
  'GET /api/vhosts/:vhost/permissions': { summary: 'Permissions of every user in a virtual host' },
  'GET /api/vhosts/:vhost/connections': { summary: 'Connections to a virtual host' },
  'GET /api/vhosts/:vhost/channels': { summary: 'Channels of connections to a virtual host' },

  'GET /api/users': { summary: 'Users, with password hashes, tags and limits', query: listQuery },
  'GET /api/users/:user': { summary: 'One user' },
  'PUT /api/users/:user': {
    summary: 'Create or update a user: password (hashed by the broker) or password_hash + hashing_algorithm; tags comma-separated or a list',
    body: { password: 's3cret', tags: 'administrator' },
  },
  'DELETE /api/users/:user': { summary: 'Delete a user' },
  'GET /api/users/:user/permissions': { summary: "A user's permissions in every virtual host" },

  'GET /api/permissions': { summary: 'All permissions' },
  'GET /api/permissions/:vhost/:user': { summary: "A user's permissions in a virtual host" },
  'PUT /api/permissions/:vhost/:user': { summary: 'Set configure/write/read permission regexes', body: { configure: '.*', write: '.*', read: '.*' } },
  'DELETE /api/permissions/:vhost/:user': { summary: "Remove a user's permissions in a virtual host" },

  'GET /api/policies': { summary: 'Policies of every virtual host' },
  'GET /api/policies/:vhost': { summary: 'Policies of a virtual host' },
  'GET /api/policies/:vhost/:name': { summary: 'One policy' },
  'PUT /api/policies/:vhost/:name': {
    summary: 'Create or replace a policy (applied at once to matching queues and exchanges)',
    body: { pattern: '^orders\\.', definition: { 'max-length': 10000, 'dead-letter-exchange': 'dlx' }, priority: 1, 'apply-to': 'queues' },
  },
  'DELETE /api/policies/:vhost/:name': { summary: 'Delete a policy' },
  'GET /api/operator-policies': { summary: 'Operator policies of every virtual host' },
  'GET /api/operator-policies/:vhost': { summary: 'Operator policies of a virtual host' },
  'GET /api/operator-policies/:vhost/:name': { summary: 'One operator policy' },
  'PUT /api/operator-policies/:vhost/:name': {
    summary: 'Create or replace an operator policy (limits that cap what users ask for)',
    body: { pattern: '.*', definition: { 'max-length': 1000000 }, priority: 0, 'apply-to': 'queues' },
  },
  'DELETE /api/operator-policies/:vhost/:name': { summary: 'Delete an operator policy' },

  'GET /api/parameters': { summary: 'Runtime parameters of every component' },
  'GET /api/parameters/:component': { summary: 'Runtime parameters of a component' },
  'GET /api/parameters/:component/:vhost': { summary: 'Runtime parameters of a component in a virtual host' },
  'GET /api/parameters/:component/:vhost/:name': { summary: 'One runtime parameter' },
  'PUT /api/parameters/:component/:vhost/:name': {
    summary: 'Set a runtime parameter; component shovel starts a dynamic shovel (Move messages)',
    body: { value: { 'src-uri': 'amqp://', 'src-queue': 'orders.dlq', 'src-delete-after': 'queue-length', 'dest-uri': 'amqp://', 'dest-queue': 'orders' } },
  },
  'DELETE /api/parameters/:component/:vhost/:name': { summary: 'Clear a runtime parameter' },
  'GET /api/shovels': { summary: 'Dynamic shovels (runtime parameters of component shovel) and their states: starting, running, terminated' },
  'GET /api/shovels/:vhost': { summary: 'Dynamic shovels of a virtual host' },
  'GET /api/shovels/vhost/:vhost/:name': { summary: 'One dynamic shovel, as a one-element list (as RabbitMQ)' },
  'DELETE /api/shovels/vhost/:vhost/:name': { summary: 'Delete a dynamic shovel (clears its parameter)' },
  'DELETE /api/shovels/vhost/:vhost/:name/restart': { summary: 'Restart a dynamic shovel' },

  'GET /api/exchanges': { summary: 'Exchanges of every virtual host the user may see', query: pageQuery },
  'GET /api/exchanges/:vhost': { summary: 'Exchanges of a virtual host', query: pageQuery },
  'GET /api/exchanges/:vhost/:name': { summary: "One exchange ('amq.default' is the default exchange)" },
  'PUT /api/exchanges/:vhost/:name': { summary: 'Declare an exchange (406-style 400 if it exists with other properties)', body: exchangeBody },
  'DELETE /api/exchanges/:vhost/:name': { summary: 'Delete an exchange', query: { 'if-unused': 'true: only if it has no bindings' } },
  'POST /api/exchanges/:vhost/:name/publish': {
    summary: 'Publish a message; answers {"routed": bool} once it is as safe as a publisher confirm promises',
    body: { properties: { delivery_mode: 2, headers: {} }, routing_key: 'orders.new', payload: 'hello', payload_encoding: 'string' },
  },
  'GET /api/exchanges/:vhost/:name/bindings/source': { summary: 'Bindings from this exchange' },
  'GET /api/exchanges/:vhost/:name/bindings/destination': { summary: 'Bindings to this exchange (exchange-to-exchange)' },

  'GET /api/queues': { summary: 'Queues of every virtual host the user may see, with message and consumer counts', query: pageQuery },
  'GET /api/queues/:vhost': { summary: 'Queues of a virtual host', query: pageQuery },
  'GET /api/queues/:vhost/:name': { summary: 'One queue, with its consumers' },
  'PUT /api/queues/:vhost/:name': { summary: 'Declare a queue', body: queueBody },
  'DELETE /api/queues/:vhost/:name': {
    summary: 'Delete a queue and its messages',
    query: { 'if-unused': 'true: only if it has no consumers', 'if-empty': 'true: only if it has no messages' },
  },
  'DELETE /api/queues/:vhost/:name/contents': { summary: 'Purge a queue (delete its ready messages)' },
  'POST /api/queues/:vhost/:name/get': {
    summary: 'Get messages (basic.get count times, then ack, requeue or reject them all as ackmode says)',
    body: { count: 5, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 50000 },
  },
  'POST /api/queues/:vhost/:name/actions': { summary: 'Queue actions: sync and cancel_sync (accepted; a classic queue has nothing to sync)', body: { action: 'sync' } },
  'GET /api/queues/:vhost/:name/bindings': { summary: "A queue's bindings, the default exchange's included" },

  'GET /api/bindings': { summary: 'Bindings of every virtual host the user may see' },
  'GET /api/bindings/:vhost': { summary: 'Bindings of a virtual host' },
  'GET /api/bindings/:vhost/e/:source/q/:dest': { summary: 'Bindings from an exchange to a queue' },
  'POST /api/bindings/:vhost/e/:source/q/:dest': { summary: 'Bind a queue to an exchange (Location: the new binding, relative: {dest}/{properties_key})', body: bindingBody },
  'GET /api/bindings/:vhost/e/:source/q/:dest/:props': { summary: 'One exchange-to-queue binding' },
  'DELETE /api/bindings/:vhost/e/:source/q/:dest/:props': { summary: 'Delete an exchange-to-queue binding' },
  'GET /api/bindings/:vhost/e/:source/e/:dest': { summary: 'Bindings from an exchange to an exchange' },
  'POST /api/bindings/:vhost/e/:source/e/:dest': { summary: 'Bind an exchange to an exchange', body: bindingBody },
  'GET /api/bindings/:vhost/e/:source/e/:dest/:props': { summary: 'One exchange-to-exchange binding' },
  'DELETE /api/bindings/:vhost/e/:source/e/:dest/:props': { summary: 'Delete an exchange-to-exchange binding' },

  'GET /api/connections': { summary: 'Client connections', query: pageQuery },
  'GET /api/connections/:name': { summary: 'One connection' },
  'GET /api/connections/:name/channels': { summary: "A connection's channels" },
  'DELETE /api/connections/:name': { summary: 'Close a connection (320 CONNECTION_FORCED; the X-Reason header becomes the reason)' },
  'GET /api/connections/username/:user': { summary: "A user's connections (name, vhost, user, node)" },
  'DELETE /api/connections/username/:user': { summary: "Close all of a user's connections (320 CONNECTION_FORCED; the X-Reason header becomes the reason)" },
  'GET /api/channels': { summary: 'Channels, with prefetch, unacknowledged counts and modes', query: pageQuery },
  'GET /api/channels/:name': { summary: 'One channel' },
  'GET /api/consumers': { summary: 'Consumers of every virtual host the user may see' },
  'GET /api/consumers/:vhost': { summary: 'Consumers of a virtual host' },

  'GET /api/definitions': { summary: 'Export the definitions (users, vhosts, permissions, policies, parameters, exchanges, queues, bindings) as RabbitMQ does' },
  'GET /api/definitions/:vhost': { summary: 'Export the definitions of one virtual host' },
  'POST /api/definitions': {
    summary: 'Import definitions exported from RabbitMQ or Warren (objects are added or updated, nothing is deleted)',
    body: { vhosts: [{ name: '/' }], queues: [{ name: 'orders', vhost: '/', durable: true, auto_delete: false, arguments: {} }] },
  },
  'GET /api/all-configuration': { summary: 'Deprecated name of GET /api/definitions (as in RabbitMQ)' },
  'POST /api/all-configuration': { summary: 'Deprecated name of POST /api/definitions (as in RabbitMQ)' },
  'POST /api/definitions/:vhost': { summary: 'Import definitions into one virtual host', body: { queues: [{ name: 'orders', durable: true, auto_delete: false, arguments: {} }] } },

  'GET /api/health/checks/alarms': { summary: 'Health: 200 when no resource alarm is in effect, 503 otherwise' },
  'GET /api/health/checks/local-alarms': { summary: 'Health: 200 when no local resource alarm is in effect, 503 otherwise' },
  'GET /api/healthchecks/node': { summary: 'Deprecated node health check (RabbitMQ 3.10 still answers it): 200 {"status":"ok"}' },
  'GET /api/healthchecks/node/:node': { summary: 'Deprecated node health check of one node (Warren: this node; 404 for another)' },
  'GET /api/aliveness-test/:vhost': { summary: 'Declares a test queue, publishes to it and consumes the message back' },

  'GET /api/health/checks/port-listener/:port': { summary: 'Health: 200 when a listener is bound to the port, 503 with the bound ports otherwise' },
  'GET /api/health/checks/protocol-listener/:protocol': { summary: 'Health: 200 when a listener serves the protocol (amqp, amqp091, amqps, http, prometheus...), 503 otherwise' },
  'GET /api/health/checks/virtual-hosts': { summary: 'Health: 200 when every virtual host is running' },
  'GET /api/health/checks/node-is-quorum-critical': { summary: 'Health: 200 unless stopping this node would leave a quorum queue without a majority' },
  'GET /api/health/checks/node-is-mirror-sync-critical': { summary: 'Health: 200 unless stopping this node would lose the last synchronised mirror' },
  'GET /api/health/checks/certificate-expiration/:within/:unit': { summary: 'Health: 200 unless a TLS listener\'s certificate expires within that time (unit: days, weeks, months, years)' },

  'GET /api/vhost-limits': { summary: 'Limits (max-connections, max-queues) of every virtual host that has some' },
  'GET /api/vhost-limits/:vhost': { summary: 'Limits of a virtual host' },
  'PUT /api/vhost-limits/:vhost/:name': { summary: 'Set one limit of a virtual host (max-connections or max-queues; negative: no limit)', body: { value: 100 } },
  'DELETE /api/vhost-limits/:vhost/:name': { summary: 'Clear one limit of a virtual host' },
  'GET /api/user-limits': { summary: 'Limits (max-connections, max-channels) of every user that has some' },
  'GET /api/user-limits/:user': { summary: 'Limits of a user' },
  'PUT /api/user-limits/:user/:name': { summary: 'Set one limit of a user (max-connections or max-channels; negative: no limit)', body: { value: 10 } },
  'DELETE /api/user-limits/:user/:name': { summary: 'Clear one limit of a user' },

  'GET /api/topic-permissions': { summary: 'All topic permissions' },
  'GET /api/topic-permissions/:vhost/:user': { summary: "A user's topic permissions in a virtual host" },
  'PUT /api/topic-permissions/:vhost/:user': { summary: 'Set write/read routing-key regexes for one topic exchange', body: { exchange: 'amq.topic', write: '^{username}\\.', read: '.*' } },
  'DELETE /api/topic-permissions/:vhost/:user': { summary: "Remove a user's topic permissions in a virtual host" },
  'GET /api/vhosts/:vhost/topic-permissions': { summary: 'Topic permissions of every user in a virtual host' },
  'GET /api/users/:user/topic-permissions': { summary: "A user's topic permissions in every virtual host" },
  'GET /api/users/without-permissions': { summary: 'Users that have no permission in any virtual host' },
  'POST /api/users/bulk-delete': { summary: 'Delete several users (stops with 400 at the first unknown one)', body: { users: ['alice', 'bob'] } },
  'POST /api/vhosts/:vhost/start/:node': { summary: 'Start a virtual host on a node (a running one: no-op)' },

  'GET /api/cluster-name': { summary: "The cluster's name (default: the node name)" },
  'PUT /api/cluster-name': { summary: "Rename the cluster (kept as the global parameter cluster_name)", body: { name: 'production' } },
  'GET /api/global-parameters': { summary: 'Global runtime parameters' },
  'GET /api/global-parameters/:name': { summary: 'One global parameter' },
  'PUT /api/global-parameters/:name': { summary: 'Set a global parameter', body: { value: { key: 'value' } } },
  'DELETE /api/global-parameters/:name': { summary: 'Clear a global parameter' },
  'GET /api/extensions': { summary: 'Management UI extensions (their scripts)' },
  'GET /api/auth': { summary: 'Login settings of the management UI (OAuth off); needs no credentials' },

  'GET /api/docs': { summary: 'This document: the OpenAPI description of the management API, generated from the route table' },
};
