// Every warrenctl verb, by name.
import type { Command } from '../command.js';
import { listConnections, listChannels, listConsumers, closeConnection, closeAllConnections } from './connections.js';
import { exportDefinitions, importDefinitions } from './definitions.js';
import { listBindings, listExchanges } from './exchanges.js';
import {
  checkAlarms, checkIfNodeIsQuorumCritical, checkLocalAlarms, checkPortConnectivity, checkPortListener,
  checkProtocolListener, checkRunning, checkVirtualHosts, ping,
} from './health.js';
import { clearUserLimits, clearVhostLimits, listUserLimits, listVhostLimits, setUserLimits, setVhostLimits } from './limits.js';
import { clusterStatus, listeners, serverVersion, status, version } from './node.js';
import {
  clearPermissions, clearTopicPermissions, listPermissions, listTopicPermissions, listUserPermissions,
  listUserTopicPermissions, setPermissions, setTopicPermissions,
} from './permissions.js';
import { operatorPolicyCommands, policyCommands } from './policies.js';
import { deleteQueue, listQueues, purgeQueue } from './queues.js';
import { addUser, authenticateUser, changePassword, deleteUser, listUsers, setUserTags } from './users.js';
import { addVhost, deleteVhost, listVhosts } from './vhosts.js';

const all: Command[] = [
  version,
  status, clusterStatus, listeners, serverVersion,
  ping, checkRunning, checkPortConnectivity, checkLocalAlarms, checkAlarms, checkVirtualHosts,
  checkIfNodeIsQuorumCritical, checkPortListener, checkProtocolListener,
  listQueues, purgeQueue, deleteQueue,
  listExchanges, listBindings,
  listConnections, listChannels, listConsumers, closeConnection, closeAllConnections,
  listUsers, addUser, deleteUser, changePassword, authenticateUser, setUserTags,
  listVhosts, addVhost, deleteVhost,
  listPermissions, listUserPermissions, setPermissions, clearPermissions,
  listTopicPermissions, listUserTopicPermissions, setTopicPermissions, clearTopicPermissions,
  ...policyCommands, ...operatorPolicyCommands,
  listVhostLimits, setVhostLimits, clearVhostLimits, listUserLimits, setUserLimits, clearUserLimits,
  exportDefinitions, importDefinitions,
];

export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
