#!/usr/bin/env node
// `warrenctl`: rabbitmqctl's verbs against a Warren node's management HTTP API
// (`warrenctl help` lists them; src/cli/ctl/ holds the implementation).
import { runCli } from './ctl/run.js';

/** All of stdin; from a terminal, the first line typed (a password for add_user). */
function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stdin = process.stdin;
    stdin.setEncoding('utf8');
    const done = () => {
      stdin.pause();
      resolve(text);
    };
    stdin.on('data', (chunk: string) => {
      text += chunk;
      if (stdin.isTTY && text.includes('\n')) done();
    });
    stdin.once('end', done);
    stdin.once('error', reject);
  });
}

const code = await runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
});
process.exitCode = code;
