// Unit specifications of the permission checks and of the loopback_users settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress, permits, topicPermits } from '../../src/auth/authorization.js';
import { parseRabbitmqConf, ConfigError } from '../../src/config/rabbitmq-conf.js';

test('resource patterns are unanchored regexes and an empty pattern grants nothing', () => {
  const p = { configure: 'ab', write: '^pre\\.', read: '' };
  assert.equal(permits(p, 'configure', 'xaby'), true);
  assert.equal(permits(p, 'configure', 'xy'), false);
  assert.equal(permits(p, 'write', 'pre.q'), true);
  assert.equal(permits(p, 'write', 'a.pre.q'), false);
  assert.equal(permits(p, 'read', ''), false);
  assert.equal(permits({ configure: '(', write: '', read: '' }, 'configure', '('), false, 'an uncompilable pattern grants nothing');
});

test('topic patterns: no permission allows all, empty means ^$, {username} and {vhost} expand', () => {
  assert.equal(topicPermits(undefined, 'write', 'any', 'u', '/'), true);
  const p = { write: '^{username}\\.', read: '' };
  assert.equal(topicPermits(p, 'write', 'bob.x', 'bob', '/'), true);
  assert.equal(topicPermits(p, 'write', 'alice.x', 'bob', '/'), false);
  assert.equal(topicPermits(p, 'read', '', 'bob', '/'), true);
  assert.equal(topicPermits(p, 'read', 'x', 'bob', '/'), false);
  assert.equal(topicPermits({ write: '^{vhost}$', read: '' }, 'write', 'prod', 'bob', 'prod'), true);
});

test('loopback addresses', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['192.0.2.2', '::ffff:10.0.0.1', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
});

test('rabbitmq.conf loopback_users', () => {
  assert.deepEqual(parseRabbitmqConf('loopback_users = none').options.loopbackUsers, []);
  assert.deepEqual(parseRabbitmqConf('loopback_users.guest = false').options.loopbackUsers, []);
  assert.deepEqual(parseRabbitmqConf('loopback_users.admin = true').options.loopbackUsers, ['guest', 'admin']);
  assert.deepEqual(parseRabbitmqConf('loopback_users = none\nloopback_users.ops = true').options.loopbackUsers, ['ops']);
  assert.throws(() => parseRabbitmqConf('loopback_users = guest'), ConfigError);
  assert.throws(() => parseRabbitmqConf('loopback_users.guest = maybe'), ConfigError);
});

test('rabbitmq.conf TLS keys', () => {
  const o = parseRabbitmqConf([
    'listeners.ssl.default = 5671', 'ssl_options.cacertfile = /c/ca.pem', 'ssl_options.certfile = /c/s.pem',
    'ssl_options.keyfile = /c/s.key', 'ssl_options.verify = verify_peer', 'ssl_options.fail_if_no_peer_cert = true',
    'ssl_cert_login_from = common_name',
  ].join('\n')).options;
  assert.equal(o.tlsPort, 5671);
  assert.deepEqual(o.tls, { cacertfile: '/c/ca.pem', certfile: '/c/s.pem', keyfile: '/c/s.key', verify: 'verify_peer', failIfNoPeerCert: true });
  assert.equal(o.sslCertLoginFrom, 'common_name');
  assert.throws(() => parseRabbitmqConf('ssl_options.verify = maybe'), ConfigError);
});
