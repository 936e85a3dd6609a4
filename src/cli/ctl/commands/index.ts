// Every warrenctl verb, by name.
import type { Command } from '../command.js';
import { closeAllConnections, closeAllUserConnections, closeConnection, listChannels, listConnections, listConsumers } from './connections.js';
import { exportDefinitions, importDefinitions } from './definitions.js';
import { listBindings, listExchanges } from './exchanges.js';
import {
  checkAlarms, checkIfNodeIsQuorumCritical, checkLocalAlarms, checkPortConnectivity, checkPortListener,
  checkProtocolListener, checkRunning, checkVirtualHosts, ping,
} from './health.js';
import { clearUserLimits, clearVhostLimits, listUserLimits, listVhostLimits, setUserLimits, setVhostLimits } from './limits.js';
import { clusterStatus, forgetClusterNode } from './cluster.js';
import { awaitStartup, listeners, serverVersion, status, version } from './node.js';
import {
  clearGlobalParameter, clearParameter, listGlobalParameters, listParameters, setClusterName, setGlobalParameter, setParameter,
} from './parameters.js';
import {
  clearPermissions, clearTopicPermissions, listPermissions, listTopicPermissions, listUserPermissions,
  listUserTopicPermissions, setPermissions, setTopicPermissions,
} from './permissions.js';
import { operatorPolicyCommands, policyCommands } from './policies.js';
import { deleteQueue, listQueues, purgeQueue } from './queues.js';
import { addUser, authenticateUser, changePassword, deleteUser, listUsers, setUserTags } from './users.js';
import { addVhost, deleteVhost, listVhosts } from './vhosts.js';
import { deleteShovel, restartShovel, shovelStatus } from './shovels.js';

const all: Command[] = [
  version,
  status, clusterStatus, forgetClusterNode, listeners, serverVersion, awaitStartup,
  ping, checkRunning, checkPortConnectivity, checkLocalAlarms, checkAlarms, checkVirtualHosts,
  checkIfNodeIsQuorumCritical, checkPortListener, checkProtocolListener,
  listQueues, purgeQueue, deleteQueue,
  listExchanges, listBindings,
  listConnections, listChannels, listConsumers, closeConnection, closeAllConnections, closeAllUserConnections,
  listUsers, addUser, deleteUser, changePassword, authenticateUser, setUserTags,
  listVhosts, addVhost, deleteVhost,
  listPermissions, listUserPermissions, setPermissions, clearPermissions,
  listTopicPermissions, listUserTopicPermissions, setTopicPermissions, clearTopicPermissions,
  ...policyCommands, ...operatorPolicyCommands,
  listVhostLimits, setVhostLimits, clearVhostLimits, listUserLimits, setUserLimits, clearUserLimits,
  listParameters, setParameter, clearParameter, listGlobalParameters, setGlobalParameter, clearGlobalParameter, setClusterName,
  exportDefinitions, importDefinitions,
  deleteShovel, restartShovel, shovelStatus,
];

export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
