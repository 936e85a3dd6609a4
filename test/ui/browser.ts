// Debian's chromium driven by playwright-core, for the UI tests and scripts/ui-screenshots.mjs.
// Without these flags Chromium tries to reach Google's services at start and hangs on a machine
// without network; a fresh profile per run keeps runs independent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

export const chromiumPath = process.env.WARREN_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'warren-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    viewport: { width: 1360, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Fills in and submits the UI's login form. */
export async function logIn(page: Page, user = 'guest', password = 'guest'): Promise<void> {
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=login-form] button[type=submit]');
}
