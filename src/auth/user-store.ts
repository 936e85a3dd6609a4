import { AuthAttempts } from './auth-attempts.js';
import { checkPassword, hashPassword } from './password-hash.js';
import type { HashingAlgorithm } from './password-hash.js';
import type { Limits } from '../broker/limits.js';

export interface User {
  name: string;
  passwordHash: string;
  hashingAlgorithm: HashingAlgorithm;
  tags: string[];
  /** max-connections / max-channels (rabbitmqctl set_user_limits); absent: none. */
  limits?: Limits;
}

export interface Permission {
  configure: string;
  write: string;
  read: string;
}

/** Topic permission on one topic exchange: regexes matched against routing keys. */
export interface TopicPermission {
  write: string;
  read: string;
}

/** Told about changes so durable storage can keep users and permissions. */
export interface UserObserver {
  userChanged(u: User): void;
  permissionChanged(user: string, vhost: string, p: Permission): void;
  /** null: the topic permission was cleared. */
  topicPermissionChanged?(user: string, vhost: string, exchange: string, p: TopicPermission | null): void;
  userRemoved?(name: string): void;
  permissionRemoved?(user: string, vhost: string): void;
}

/** Users and their per-vhost permissions. */
export class UserStore {
  readonly users = new Map<string, User>();
  /** vhost → user → permission */
  readonly permissions = new Map<string, Map<string, Permission>>();
  /** vhost → user → exchange → topic permission */
  readonly topicPermissions = new Map<string, Map<string, Map<string, TopicPermission>>>();
  observer: UserObserver | null = null;
  /** Login attempts per protocol (the AMQP handshake and the HTTP API record theirs). */
  readonly attempts = new AuthAttempts();

  /** Adds a user exactly as stored (restore, definitions import). */
  putUser(user: User): void {
    this.users.set(user.name, user);
    this.observer?.userChanged(user);
  }

  addUser(name: string, password: string | null, tags: string[] = []): User {
    const user: User = {
      name,
      passwordHash: password === null ? '' : hashPassword(password),
      hashingAlgorithm: 'rabbit_password_hashing_sha256',
      tags,
    };
    this.putUser(user);
    return user;
  }

  /** Forgets every permission and topic permission in a vhost (the vhost is being deleted). */
  clearVhost(vhost: string): void {
    for (const user of [...(this.permissions.get(vhost)?.keys() ?? [])]) this.clearPermissions(user, vhost);
    for (const user of [...(this.topicPermissions.get(vhost)?.keys() ?? [])]) this.clearTopicPermissions(user, vhost);
  }

  /** Replaces a user's limits; false if there is no such user. */
  setLimits(name: string, limits: Limits): boolean {
    const user = this.users.get(name);
    if (!user) return false;
    this.putUser({ ...user, limits });
    return true;
  }

  /** The user if the password is right, else undefined (unknown user or wrong password alike). */
  authenticate(name: string, password: string): User | undefined {
    const user = this.users.get(name);
    if (!user) return undefined;
    return checkPassword(password, user.passwordHash, user.hashingAlgorithm) ? user : undefined;
  }

  setPermissions(user: string, vhost: string, p: Permission): void {
    let perVhost = this.permissions.get(vhost);
    if (!perVhost) this.permissions.set(vhost, (perVhost = new Map()));
    perVhost.set(user, p);
    this.observer?.permissionChanged(user, vhost, p);
  }

  /** Deletes a user and every permission it had; false if there was no such user. */
  deleteUser(name: string): boolean {
    if (!this.users.delete(name)) return false;
    for (const vhost of [...this.permissions.keys()]) this.clearPermissions(name, vhost);
    for (const vhost of [...this.topicPermissions.keys()]) this.clearTopicPermissions(name, vhost);
    this.observer?.userRemoved?.(name);
    return true;
  }

  clearPermissions(user: string, vhost: string): boolean {
    const perVhost = this.permissions.get(vhost);
    if (!perVhost?.delete(user)) return false;
    if (perVhost.size === 0) this.permissions.delete(vhost);
    this.observer?.permissionRemoved?.(user, vhost);
    return true;
  }

  permission(user: string, vhost: string): Permission | undefined {
    return this.permissions.get(vhost)?.get(user);
  }

  setTopicPermission(user: string, vhost: string, exchange: string, p: TopicPermission): void {
    let perVhost = this.topicPermissions.get(vhost);
    if (!perVhost) this.topicPermissions.set(vhost, (perVhost = new Map()));
    let perUser = perVhost.get(user);
    if (!perUser) perVhost.set(user, (perUser = new Map()));
    perUser.set(exchange, p);
    this.observer?.topicPermissionChanged?.(user, vhost, exchange, p);
  }

  /** Clears one exchange's topic permission, or all of the user's in the vhost. */
  clearTopicPermissions(user: string, vhost: string, exchange?: string): void {
    const perUser = this.topicPermissions.get(vhost)?.get(user);
    if (!perUser) return;
    for (const x of exchange === undefined ? [...perUser.keys()] : [exchange]) {
      if (perUser.delete(x)) this.observer?.topicPermissionChanged?.(user, vhost, x, null);
    }
    if (perUser.size > 0) return;
    const perVhost = this.topicPermissions.get(vhost)!;
    perVhost.delete(user);
    if (perVhost.size === 0) this.topicPermissions.delete(vhost);
  }

  topicPermission(user: string, vhost: string, exchange: string): TopicPermission | undefined {
    return this.topicPermissions.get(vhost)?.get(user)?.get(exchange);
  }
}
