import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import { httpNode } from './helpers/http-node.js';
import { axeCheck, describeViolations } from './helpers/axe.js';
import { openBrowser, skipWithoutChromium } from './helpers/browser.js';
import { tempDir } from './helpers/temp-dir.js';

/** Pages where axe's color-contrast rule found text it could measure and pass (it ran for real). */
const contrastChecked = new Set<string>();

/** Serious and critical axe violations on the page as it is now. */
async function seriousViolations(page: Page) {
  const r = await axeCheck(page);
  if (r.contrastMeasured) contrastChecked.add(page.url());
  return r.serious;
}

/**
 * Shows a section by its hash and waits until it has rendered its heading and no fetch is in
 * flight for two frames in a row (its first answers have come and been drawn).
 */
async function openSection(page: Page, section: string): Promise<void> {
  await page.evaluate((s) => (location.hash = `#/${s}`), section);
  await page.waitForFunction((s) => document.querySelector('smol-app')?.shadowRoot?.querySelector(`nav a[href="#/${s}"]`)?.getAttribute('aria-current') === 'page', section);
  await page.locator('smol-app main h2').first().waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => new Promise<boolean>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve((window as unknown as { __inflight: number }).__inflight === 0)))), undefined, { timeout: 15_000 });
}

t.test('accessibility: every section the nav offers, light and dark, desktop and phone, has no serious axe violation', { skip: skipWithoutChromium() ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: true });
  let clock: number | undefined = Date.now() - 20 * 60_000;
  // A hub (llama), so the nav lists the hub-only sections (the fleet) too.
  const { app, sample } = await httpNode(t, { uiDir, info: { name: 'hub', role: 'llama', software: 'test', startedAt: Date.now() } }, { now: () => clock ?? Date.now(), hardware: true, search: true });
  for (let i = 0; i < 20; i++) {
    await sample({ 'test.temp': 21 + Math.sin(i / 3) });
    clock += 60_000;
  }
  clock = undefined;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1280, height: 800 }, colorScheme: 'light' });

  // Counts the page's fetches in flight (a CDP init script: the page's CSP does not apply to it).
  await page.addInitScript(() => {
    const w = window as unknown as { __inflight: number };
    w.__inflight = 0;
    const original = window.fetch.bind(window);
    window.fetch = (...args) => {
      w.__inflight++;
      return original(...args).finally(() => w.__inflight--);
    };
  });
  // The sections as the running dashboard lists them, so views added later are checked too.
  await page.goto(base);
  await page.locator('smol-app nav a[href="#/fleet"]').waitFor({ state: 'attached', timeout: 15_000 }); // the nav knows the role
  const sections = await page.locator('smol-app nav a').evaluateAll((links) => links.map((a) => (a.getAttribute('href') ?? '').replace(/^#\/?/, '')).filter(Boolean));
  t.ok(sections.length >= 8, `the nav offers ${sections.length} sections: ${sections.join(', ')}`);

  for (const scheme of ['light', 'dark'] as const) {
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await t.test(`${scheme}, ${width}×${height}`, async (t) => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width, height });
        for (const section of sections) {
          await openSection(page, section);
          const violations = await seriousViolations(page);
          t.same(violations.map((v) => v.id), [], `${section}: no serious or critical violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
        }
        t.ok([...contrastChecked].some((u) => sections.some((s) => u.endsWith(`#/${s}`))), 'axe measured text contrast on these pages');
        contrastChecked.clear();
        if (width < 640) {
          // The open phone menu is a page state of its own (links over the content).
          const menu = page.locator('smol-app button.menu');
          if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
          await page.locator('smol-app nav a').first().waitFor({ state: 'visible' });
          const violations = await seriousViolations(page);
          t.same(violations.map((v) => v.id), [], `the open menu: no serious or critical violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
          await menu.click();
        }
      });
    }
  }

  await t.test('a chart has a text summary and its data as a table', async (t) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await openSection(page, 'readings');
    await page.locator('smol-chart canvas').first().waitFor({ timeout: 10_000 });
    t.match(await page.locator('smol-chart .plot').getAttribute('aria-label'), /^Test temperature, last 1 h: min [\d.]+ °C, max [\d.]+ °C, now [\d.]+ °C$/);
    await page.locator('smol-chart details.data summary').click();
    const rows = page.locator('smol-chart details.data tbody tr');
    await rows.first().waitFor();
    t.ok((await rows.count()) >= 15, `a row per minute of data (${await rows.count()})`);
    t.match(await rows.first().innerText(), /\d:\d\d.*°C/s, 'each row: the time and the value with its unit');
    const violations = await seriousViolations(page);
    t.same(violations.map((v) => v.id), [], `the chart's data table: no serious or critical violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
  });

  await t.test('the header and nav show where the keyboard focus is', async (t) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}?fresh#/overview`); // a new document: the focus starts at the top
    await page.locator('smol-app main h2').first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return undefined;
      const s = getComputedStyle(el);
      return { tag: el.tagName, inHeader: !!el.closest('header'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    t.ok(focus?.inHeader, `the first Tab lands in the header (${focus?.tag})`);
    t.ok(focus && focus.outline !== 'none' && focus.width >= 2, `with a visible outline (${focus?.outline} ${focus?.width}px)`);
  });

  t.same(errors, [], 'no script errors');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
