// rabbitmq.conf keys for limits and alarms: values as RabbitMQ 3.10.8 accepts them, and invalid
// ones stop the start with a message naming the key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseBytes, parseRabbitmqConf } from '../../src/config/rabbitmq-conf.js';

const options = (text: string) => parseRabbitmqConf(text).options;
const refused = (text: string, key: string) =>
  assert.throws(() => parseRabbitmqConf(text), (e: unknown) => e instanceof ConfigError && e.message.startsWith(key));

describe('rabbitmq.conf limits and alarms', () => {
  test('information units are RabbitMQ\'s: k/K/KiB = 1024, kB/KB = 1000, ... and nothing else', () => {
    const cases: [string, number][] = [
      ['1000', 1000], ['2k', 2048], ['2KiB', 2048], ['2kB', 2000], ['2KB', 2000], ['3M', 3 * 1024 ** 2], ['3MiB', 3 * 1024 ** 2],
      ['3MB', 3_000_000], ['3mb', 3_000_000], ['1G', 1024 ** 3], ['1GiB', 1024 ** 3], ['1GB', 1e9], ['1gb', 1e9],
    ];
    for (const [text, bytes] of cases) assert.equal(parseBytes(text, 'k'), bytes, text);
    for (const bad of ['1.5GB', '1 GB', '1TB', 'MB', '-1', '1Gib']) assert.throws(() => parseBytes(bad, 'k'), ConfigError, bad);
  });

  test('max_message_size: bytes up to 512 MiB', () => {
    assert.equal(options('max_message_size = 1048576').maxMessageSize, 1048576);
    assert.equal(options('max_message_size = 536870912').maxMessageSize, 536870912);
    refused('max_message_size = 536870913', 'max_message_size');
    refused('max_message_size = 0', 'max_message_size');
    refused('max_message_size = 1MB', 'max_message_size');
  });

  test('connection_max: a number or infinity', () => {
    assert.equal(options('connection_max = 500').connectionMax, 500);
    assert.equal(options('connection_max = infinity').connectionMax, Number.POSITIVE_INFINITY);
    refused('connection_max = lots', 'connection_max');
  });

  test('vm_memory_high_watermark.relative and .absolute', () => {
    assert.deepEqual(options('vm_memory_high_watermark.relative = 0.6').memoryHighWatermark, { relative: 0.6 });
    assert.deepEqual(options('vm_memory_high_watermark.relative = 0').memoryHighWatermark, { relative: 0 });
    assert.deepEqual(options('vm_memory_high_watermark.absolute = 2GB').memoryHighWatermark, { absolute: 2e9 });
    assert.deepEqual(options('vm_memory_high_watermark.absolute = 512MiB').memoryHighWatermark, { absolute: 512 * 1024 ** 2 });
    assert.deepEqual(options('vm_memory_high_watermark.absolute = 1073741824').memoryHighWatermark, { absolute: 1073741824 });
    refused('vm_memory_high_watermark.relative = 1.5', 'vm_memory_high_watermark.relative');
    refused('vm_memory_high_watermark.relative = lots', 'vm_memory_high_watermark.relative');
    refused('vm_memory_high_watermark.absolute = 2 GB', 'vm_memory_high_watermark.absolute');
  });

  test('disk_free_limit.absolute takes the same units', () => {
    assert.equal(options('disk_free_limit.absolute = 1GB').diskFreeLimit, 1e9);
    assert.equal(options('disk_free_limit.absolute = 50000000').diskFreeLimit, 50_000_000);
  });

  test('ssl_cert_login_from with subject_alternative_name and its SAN type and index', () => {
    const o = options('ssl_cert_login_from = subject_alternative_name\nssl_cert_login_san_type = email\nssl_cert_login_san_index = 2');
    assert.deepEqual([o.sslCertLoginFrom, o.sslCertLoginSanType, o.sslCertLoginSanIndex], ['subject_alternative_name', 'email', 2]);
    assert.equal(options('ssl_cert_login_from = common_name').sslCertLoginFrom, 'common_name');
    refused('ssl_cert_login_from = serial_number', 'ssl_cert_login_from');
    refused('ssl_cert_login_san_type = other_name', 'ssl_cert_login_san_type');
    refused('ssl_cert_login_san_index = -1', 'ssl_cert_login_san_index');
  });
});
