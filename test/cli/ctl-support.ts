// Runs the built `warrenctl` as a child process (asynchronously, so an in-process broker in the
// test's own event loop keeps answering it) and collects its exit code and output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/warrenctl.js', import.meta.url));

export interface CtlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CtlOptions {
  /** Written to the command's standard input (closed afterwards). */
  stdin?: string;
  /** Extra environment; WARRENCTL_URL and WARREN_HTTP_URL are cleared unless given here. */
  env?: Record<string, string>;
}

export function runCtl(args: string[], options: CtlOptions = {}): Promise<CtlRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WARRENCTL_URL;
  delete env.WARREN_HTTP_URL;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A runner bound to one node's HTTP port: ctl('list_queues', '-p', 'vh'). */
export function ctlFor(httpPort: number | null, ...defaults: string[]) {
  return (...args: string[]) => runCtl(['--port', String(httpPort), ...defaults, ...args]);
}

/** Lines of the output, without the trailing empty one. */
export const lines = (text: string) => text.replace(/\n$/, '').split('\n');
