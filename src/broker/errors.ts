// One place for the model's errors, with RabbitMQ's reply codes and reply texts, so every layer
// reports the same failure the same way (clients and people's log searches depend on the texts).
import { amqpError } from '../amqp/amqp-error.js';
import type { AmqpError } from '../amqp/amqp-error.js';
import { ReplyCode } from '../amqp/spec.js';

/** The largest max_message_size RabbitMQ accepts (512 MiB). */
export const MAX_MESSAGE_SIZE_CAP = 536_870_912;

export type ResourceKind = 'queue' | 'exchange';

const where = (kind: ResourceKind, name: string, vhost: string) => `${kind} '${name}' in vhost '${vhost}'`;

export const errors = {
  notFound: (kind: ResourceKind, name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.NotFound, `no ${kind} '${name}' in vhost '${vhost}'`),

  inequivalentArg: (kind: ResourceKind, name: string, vhost: string, arg: string, received: string, current: string): AmqpError =>
    amqpError(
      ReplyCode.PreconditionFailed,
      `inequivalent arg '${arg}' for ${where(kind, name, vhost)}: received ${received} but current is ${current}`,
    ),

  reservedName: (kind: ResourceKind, name: string): AmqpError =>
    amqpError(ReplyCode.AccessRefused, `${kind} name '${name}' contains reserved prefix 'amq.*'`),

  defaultExchange: (): AmqpError =>
    amqpError(ReplyCode.AccessRefused, 'operation not permitted on the default exchange'),

  internalExchange: (name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.AccessRefused, `cannot publish to internal ${where('exchange', name, vhost)}`),

  unknownExchangeType: (type: string): AmqpError =>
    amqpError(ReplyCode.CommandInvalid, `unknown exchange type '${type}'`),

  inUse: (kind: ResourceKind, name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.PreconditionFailed, `${where(kind, name, vhost)} in use`),

  notEmpty: (name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.PreconditionFailed, `${where('queue', name, vhost)} not empty`),

  exclusiveLocked: (name: string, vhost: string): AmqpError =>
    amqpError(
      ReplyCode.ResourceLocked,
      `cannot obtain exclusive access to locked ${where('queue', name, vhost)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
    ),

  exclusiveConsumer: (name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.AccessRefused, `${where('queue', name, vhost)} in exclusive use`),

  invalidArg: (name: string, vhost: string, arg: string, detail: string): AmqpError =>
    amqpError(ReplyCode.PreconditionFailed, `invalid arg ${arg} for ${where('queue', name, vhost)}: ${detail}`),

  systemExchangeDeletion: (name: string, vhost: string): AmqpError =>
    amqpError(ReplyCode.AccessRefused, `deletion of system exchange '${name}' in vhost '${vhost}' not allowed`),

  /** max_message_size exceeded; RabbitMQ drops "configured" only when the limit is its hard cap. */
  messageTooLarge: (size: number, max: number): AmqpError =>
    amqpError(ReplyCode.PreconditionFailed, `message size ${size} is larger than ${max === MAX_MESSAGE_SIZE_CAP ? '' : 'configured '}max size ${max}`),

  preconditionFailed: (detail: string): AmqpError => amqpError(ReplyCode.PreconditionFailed, detail),
  accessRefused: (detail: string): AmqpError => amqpError(ReplyCode.AccessRefused, detail),
  notAllowed: (detail: string): AmqpError => amqpError(ReplyCode.NotAllowed, detail),
  notImplemented: (detail: string): AmqpError => amqpError(ReplyCode.NotImplemented, detail),
  commandInvalid: (detail: string): AmqpError => amqpError(ReplyCode.CommandInvalid, detail),
};
