import type { User, UserStore } from '../auth/user-store.js';
import { httpErrors } from './errors.js';
import type { Access } from './router.js';

/** Tags that let a user into the management API at all (RabbitMQ's management user levels). */
const managementTags = new Set(['management', 'policymaker', 'monitoring', 'administrator']);

/** HTTP basic auth against the user store; throws RabbitMQ's 401 answers. */
export function authenticate(users: UserStore, header: string | undefined): User {
  if (!header || !/^basic /i.test(header)) throw httpErrors.noCredentials();
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    users.attempts.record('http', false);
    throw httpErrors.loginFailed();
  }
  const user = users.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  users.attempts.record('http', user !== undefined);
  if (!user) throw httpErrors.loginFailed();
  return user;
}

/** Checks the user's tags against what the route needs. */
export function authorize(user: User, access: Access): void {
  if (access === 'public') return;
  if (!user.tags.some((t) => managementTags.has(t))) throw httpErrors.notManagement();
  const admin = user.tags.includes('administrator');
  if (access === 'administrator' && !admin) throw httpErrors.notAdministrator();
  if (access === 'monitoring' && !admin && !user.tags.includes('monitoring')) throw httpErrors.notMonitor();
  if (access === 'policymaker' && !admin && !user.tags.includes('policymaker')) throw httpErrors.notAuthorisedObject();
}

export function isAdministrator(user: User): boolean {
  return user.tags.includes('administrator');
}

/** Whether a (non-administrator) user may see a vhost's objects: they need a permission there. */
export function canSeeVhost(users: UserStore, user: User, vhost: string): boolean {
  return isAdministrator(user) || users.permission(user.name, vhost) !== undefined;
}
