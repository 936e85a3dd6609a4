// Every relative link in the README and docs/ (and examples/README.md) points at a file or directory
// that exists, so a rename does not leave the documentation pointing nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pages = ['README.md', 'examples/README.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

test('relative links in the README, examples/README.md and docs/*.md resolve', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(repo, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = decodeURIComponent(target.split('#')[0]);
      if (!existsSync(resolve(repo, dirname(page), path))) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});
