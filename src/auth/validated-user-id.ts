import type { User } from './user-store.js';

/**
 * RabbitMQ's validated user_id: a published message may name only its publisher in the user_id
 * property, unless the publisher is tagged impersonator (e.g. a relay publishing on behalf of
 * others). Returns the refusal text for 406 PRECONDITION_FAILED, or null when the message may go.
 */
export function userIdRefusal(user: User, userId: string | undefined): string | null {
  if (userId === undefined || userId === user.name || user.tags.includes('impersonator')) return null;
  return `user_id property set to '${userId}' but authenticated user was '${user.name}'`;
}
