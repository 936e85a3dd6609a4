// The reference docs are generated from the code (scripts/gen-docs.mjs): docs/configuration.md from
// the supported rabbitmq.conf keys, docs/cli.md from the commands' --help, docs/openapi.json from the
// management router. These tests fail when a committed doc is stale: run `npm run gen:docs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackUser, supportedKeys } from '../../src/config/rabbitmq-conf.js';
import { usage } from '../../src/cli/arguments.js';
import { runProcess } from '../support/run-process.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('the committed generated docs are what scripts/gen-docs.mjs produces from the code today', async () => {
  const out = await runProcess(process.execPath, ['scripts/gen-docs.mjs', '--check'], { env: process.env, cwd: repo, timeoutMs: 180_000 });
  assert.equal(out.code, 0, `${out.stderr}\n${out.stdout}`);
  assert.match(out.stdout, /generated docs up to date/);
});

test('docs/configuration.md has a row for every supported rabbitmq.conf key', () => {
  const doc = readFileSync(resolve(repo, 'docs/configuration.md'), 'utf8');
  for (const key of [...Object.keys(supportedKeys), loopbackUser.pattern]) assert.ok(doc.includes(`| \`${key}\` |`), `no row for ${key}`);
});

test("docs/cli.md holds the warren command's --help", () => {
  const doc = readFileSync(resolve(repo, 'docs/cli.md'), 'utf8');
  assert.ok(doc.includes(usage.trimEnd()), 'the usage text of src/cli/arguments.ts is not in docs/cli.md');
});
