import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { missingProgram } from './required-program.js';
import { tempDir } from './temp-dir.js';

/** Debian's chromium (the CI installs it); tests skip loudly without it outside CI. */
export const CHROMIUM = '/usr/lib/chromium/chromium';

/** Why a browser test must skip here (undefined: run it; in CI a missing chromium fails instead). */
export const skipWithoutChromium = (): string | undefined => missingProgram(CHROMIUM, 'apt-get install -y --no-install-recommends chromium');

export interface BrowserOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly colorScheme?: 'light' | 'dark';
}

/**
 * A headless Chromium on a fresh profile directory, closed at the test's end, with the page's
 * script errors and every request that left 127.0.0.1 collected (a dashboard makes none).
 */
export async function openBrowser(t: Test, o: BrowserOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[]; external: string[] }> {
  const context = await chromium.launchPersistentContext(tempDir(t, 'smollama-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: o.viewport ?? { width: 1280, height: 800 },
    ...(o.colorScheme ? { colorScheme: o.colorScheme } : {}),
  });
  t.teardown(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const external: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (r) => {
    const url = r.url();
    if (!/^(https?|wss?):\/\/127\.0\.0\.1[:/]/.test(url) && !url.startsWith('data:') && !url.startsWith('blob:')) external.push(url);
  });
  return { context, page, errors, external };
}

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

/** Saves a README screenshot under docs/screenshots, only when SMOLLAMA_UPDATE_SCREENSHOT=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SMOLLAMA_UPDATE_SCREENSHOT !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name) });
}
