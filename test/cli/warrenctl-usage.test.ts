// warrenctl's help and usage errors, with rabbitmqctl 3.10.8's exit codes (64 for usage errors,
// 69 for a node that cannot be reached): no broker needed, or a port nothing listens on.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { commands } from '../../src/cli/ctl/commands/index.js';
import { freePort } from '../support/child-broker.js';
import { runCtl } from './ctl-support.js';

describe('warrenctl help', () => {
  test('--help lists every command by section, the general options and the exit codes', async () => {
    const r = await runCtl(['--help']);
    assert.equal(r.code, 0);
    for (const name of commands.keys()) assert.match(r.stdout, new RegExp(`^   ${name} +\\S`, 'm'), `${name} missing from --help`);
    assert.match(r.stdout, /^Users:$/m);
    assert.match(r.stdout, /--formatter <name> +\| result format: table \(default\), json, pretty_table, csv/);
    assert.match(r.stdout, /WARRENCTL_URL/);
    assert.match(r.stdout, /^ 69 +node unreachable/m);
  });

  test('help <command> and <command> --help show its usage, arguments, options and columns', async () => {
    const viaHelp = await runCtl(['help', 'set_policy']);
    assert.equal(viaHelp.code, 0);
    assert.match(viaHelp.stdout, /set_policy \[--vhost <vhost>\] \[--priority <priority>\] \[--apply-to <apply-to>\] <name> <pattern> <definition>/);
    assert.match(viaHelp.stdout, /^--apply-to <queues \| exchanges \| all>\n\tpolicy should only apply to queues/m);
    const viaFlag = await runCtl(['list_queues', '--help']);
    assert.equal(viaFlag.code, 0);
    assert.match(viaFlag.stdout, /must be one of arguments, auto_delete, .*messages_unacknowledged.*, type/);
    assert.match(viaFlag.stdout, /Default columns: name messages/);
  });

  test('every command has a description, a usage line and help for each argument', () => {
    for (const c of commands.values()) {
      assert.ok(c.description.length > 10, `${c.name}: description`);
      for (const a of c.args ?? []) assert.ok(a.description.length > 3, `${c.name} ${a.name}: description`);
      for (const o of c.options ?? []) assert.ok(o.description.length > 3, `${c.name} ${o.name}: description`);
    }
  });

  test('no command at all prints the usage and exits 64', async () => {
    const r = await runCtl([]);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /^Usage/);
  });

  test('version prints the CLI version', async () => {
    const r = await runCtl(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('warrenctl usage errors exit with 64 before contacting any node', () => {
  // Port 1 never answers: these must fail on validation, not on the network.
  const ctl = (...args: string[]) => runCtl(['--host', '127.0.0.1', '--port', '1', ...args]);

  test('an unknown command', async () => {
    const r = await ctl('bogus_verb');
    assert.equal(r.code, 64);
    assert.match(r.stderr, /Command 'bogus_verb' not found/);
    const h = await ctl('help', 'bogus_verb');
    assert.equal(h.code, 64);
    assert.match(h.stderr, /Command 'bogus_verb' not found/);
  });

  test('a missing or an extra argument', async () => {
    const missing = await ctl('set_permissions', '-p', 'vh', 'alice', '.*', '.*');
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /^Error \(argument validation\): not enough arguments\.\nArguments given:\n\t.*set_permissions -p vh alice/);
    assert.match(missing.stderr, /\nUsage\n\nwarrenctl .* set_permissions \[--vhost <vhost>\] <username> <conf> <write> <read>\n$/);
    const extra = await ctl('delete_user', 'a', 'b');
    assert.equal(extra.code, 64);
    assert.match(extra.stderr, /too many arguments/);
  });

  test('an unknown column, option or formatter', async () => {
    const column = await ctl('list_queues', 'name', 'bogus_column');
    assert.equal(column.code, 64);
    assert.match(column.stderr, /Info key\(s\) bogus_column are not supported/);
    const option = await ctl('list_queues', '--bogus-opt');
    assert.equal(option.code, 64);
    assert.match(option.stderr, /Invalid options for this command:\n--bogus-opt : /);
    const formatter = await ctl('list_queues', '--formatter', 'yaml');
    assert.equal(formatter.code, 64);
    assert.match(formatter.stderr, /Invalid formatter: yaml/);
    const timeout = await ctl('ping', '-t', 'soon');
    assert.equal(timeout.code, 64);
  });
});

describe('warrenctl against a node that is down', () => {
  test('ping, check_running and list_queues exit 69 and say the node cannot be reached', async () => {
    const port = await freePort();
    for (const verb of ['ping', 'check_running', 'list_queues']) {
      const r = await runCtl(['--host', '127.0.0.1', '--port', String(port), verb]);
      assert.equal(r.code, 69, `${verb}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`unable to perform an operation on node 'warren@.*'.*http://127\\.0\\.0\\.1:${port} could not be reached \\(ECONNREFUSED\\)`));
    }
  });

  test('-n rabbit@HOST selects the host, and names the node in messages', async () => {
    const port = await freePort();
    const r = await runCtl(['-n', 'rabbit@127.0.0.1', '--port', String(port), 'ping']);
    assert.equal(r.code, 69);
    assert.match(r.stdout, /^Will ping rabbit@127\.0\.0\.1\./);
    assert.match(r.stderr, /node 'rabbit@127\.0\.0\.1'/);
  });
});
