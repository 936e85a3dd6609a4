// Runs the user-facing examples (examples/) the way their headers tell a user to: as a separate
// process with AMQP_URL pointing at a broker, and checks that each one finished its demo.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBroker, type TestBroker } from './broker.js';
import { PYTHON } from './python.js';
import { runProcess, type RunOutcome } from './run-process.js';

/** One pattern's example in each language that has it, and the lines it must print. */
export interface ExampleSpec {
  typescript?: string; // examples/typescript/NAME.ts
  python?: string; // examples/python/NAME.py
  expect: RegExp[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..'); // dist/test/support -> repo

/** `node dist/examples/typescript/NAME.js` or `python3 examples/python/NAME.py`, from a neutral directory. */
export function runExample(language: 'typescript' | 'python', name: string, amqpUrl: string, timeoutMs = 60_000): Promise<RunOutcome> {
  const [command, file] = language === 'typescript'
    ? [process.execPath, resolve(repo, 'dist/examples/typescript', `${name}.js`)]
    : [PYTHON, resolve(repo, 'examples/python', `${name}.py`)];
  const env = { ...process.env, AMQP_URL: amqpUrl, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  return runProcess(command, [file], { env, cwd: tmpdir(), timeoutMs });
}

/** The example exited 0 and printed every expected line (each a regular expression on stdout). */
export function assertExampleSucceeded(out: RunOutcome, expected: RegExp[]): void {
  const context = `exit ${out.code}${out.signal ? ` (${out.signal})` : ''}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`;
  assert.equal(out.code, 0, context);
  for (const pattern of expected) assert.match(out.stdout, pattern, context);
}

/**
 * One test per example of `language`, each run against a broker started for the file (in-process
 * Warren, or WARREN_TEST_URL's broker).
 */
export function testExamples(language: 'typescript' | 'python', specs: ExampleSpec[], timeoutMs: number): void {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    await broker.close();
  });
  const ext = language === 'typescript' ? 'ts' : 'py';
  for (const spec of specs) {
    const name = spec[language];
    if (!name) continue;
    test(`examples/${language}/${name}.${ext} runs to completion against the broker`, async () => {
      assertExampleSucceeded(await runExample(language, name, broker.url, timeoutMs), spec.expect);
    });
  }
}
