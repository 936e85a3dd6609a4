// Runs the Python interoperability checks (test/python/*.py) in their own processes with Debian's
// interpreter, which has python3-pika, python3-kombu and python3-celery. Each script prints one JSON
// line ({"script", "results": {check: {ok, ...details}}}) and exits 0 on success, 1 when the check
// failed (details on stderr), 2 on environment problems.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type RunOutcome } from './run-process.js';

export type { RunOutcome };

export const PYTHON = '/usr/bin/python3';

export interface CheckResult {
  ok: boolean;
  error?: string;
  [detail: string]: unknown;
}

export function findScriptsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(here, '../../../test/python'), // dist/test/support -> repo/test/python
    resolve(here, '../python'), // running from source
    resolve(process.cwd(), 'test/python'),
  ];
  for (const dir of candidates) if (existsSync(resolve(dir, 'pika_common.py'))) return dir;
  throw new Error(`test/python not found (looked in ${candidates.join(', ')})`);
}

/** The environment of a Python child: the scripts directory importable, unbuffered output. */
export function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PYTHONPATH: findScriptsDir(), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
}

export function runPython(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<RunOutcome> {
  return runProcess(PYTHON, [resolve(findScriptsDir(), script), ...args], { env: pythonEnv(env), cwd: tmpdir(), timeoutMs });
}

/** Runs one check of a script against `env.AMQP_URL`; fails the test unless the check passed. */
export async function runCheck(script: string, check: string, env: Record<string, string>, timeoutMs: number): Promise<CheckResult> {
  const out = await runPython(script, [check], env, timeoutMs);
  const line = out.stdout.trim().split('\n').pop() ?? '';
  let parsed: { script: string; results: Record<string, CheckResult> } | undefined;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  const result = parsed?.results?.[check];
  const context = `${script} ${check}: exit ${out.code}${out.signal ? ` (${out.signal})` : ''}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`;
  assert.ok(result, `no JSON result for ${check}\n${context}`);
  assert.equal(result.ok, true, `check failed: ${result.error}\n${context}`);
  assert.equal(out.code, 0, context);
  return result;
}
