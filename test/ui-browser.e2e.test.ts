import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import { httpNode } from './helpers/http-node.js';
import { openBrowser, skipWithoutChromium } from './helpers/browser.js';
import { tempDir } from './helpers/temp-dir.js';

/** Two animation frames after the network is quiet: what the page shows is laid out and painted (no fixed sleep). */
const settled = async (page: Page) => {
  await page.waitForLoadState('networkidle', { timeout: 10_000 });
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
};

const skip = skipWithoutChromium();
const docsShot = join(import.meta.dirname, '..', 'docs', 'screenshot.png');

/**
 * Words (in table cells and cards, through every shadow root) whose letters lie on more than one
 * line: a word broken in the middle. Ids and hashes (.id, code) may break.
 */
function brokenWords(): string[] {
  const out: string[] = [];
  const visit = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (!el.matches('td, th, .card, .card *') || el.closest('.id, code, pre, smol-chart')) continue;
      for (const node of el.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE) continue;
        const text = node.textContent ?? '';
        for (const m of text.matchAll(/\S{2,}/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(m[0]);
        }
      }
    }
  };
  visit(document);
  return out;
}

t.test('the dashboard in Chromium: every page, live readings, safe text, search, GPIO switch', { skip: skip ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: false });
  const shots = mkdtempSync(join(tmpdir(), 'smollama-screens-'));
  t.comment(`screenshots in ${shots}`);

  // An hour of history first, on a clock set back; then the clock is real again.
  let clock: number | undefined = Date.now() - 75 * 60_000;
  const { app, journal, node, sample } = await httpNode(t, { uiDir }, { now: () => clock ?? Date.now(), hardware: true, search: true });
  for (let i = 0; i < 70; i++) {
    for (let k = 0; k < 3; k++) {
      const x = i + k / 3;
      await sample({ 'test.temp': 21 + 2 * Math.sin(x / 9) + (k - 1) * 0.4, 'test.humidity': 45 + 5 * Math.cos(x / 14) + k });
      clock += 20_000;
    }
  }
  clock = undefined;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;

  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1200, height: 800 } });

  const open = async (hash: string, heading: string) => {
    await page.goto(`${base}#/${hash}`);
    await page.locator('h2', { hasText: heading }).first().waitFor({ timeout: 10_000 });
  };

  await t.test('every page opens', async (t) => {
    for (const [hash, heading] of [
      ['overview', 'Overview'],
      ['readings', 'Readings'],
      ['observations', 'Observations'],
      ['memories', 'Memories'],
      ['journal', 'Journal'],
      ['nodes', 'Nodes'],
      ['gpio', 'GPIO'],
    ] as const) {
      await open(hash, heading);
      await settled(page);
      await page.screenshot({ path: join(shots, `${hash}.png`) });
      t.pass(`${hash} shows "${heading}"`);
      if (hash === 'memories') {
        await page.locator('smol-memories .empty', { hasText: 'None yet' }).waitFor();
        t.pass('memories say "none yet" while the agent has not remembered anything');
      }
    }
  });

  await t.test('a live reading change shows without a reload', async (t) => {
    await open('readings', 'Readings');
    await page.locator('[data-source="test.temp"]').waitFor();
    await page.locator('smol-chart canvas').waitFor();
    await page.locator('smol-readings .badge.live').waitFor();
    await sample({ 'test.temp': 42.125 });
    await page.locator('[data-source="test.temp"] [data-testid=value]', { hasText: '42.125' }).waitFor({ timeout: 5000 });
    t.pass('42.125 appeared');
    await page.locator('button', { hasText: '24h' }).click();
    await settled(page);
    await page.screenshot({ path: join(shots, 'readings-live.png') });
    await page.locator('button', { hasText: '1h' }).click();
    await settled(page);
    // The README's screenshot is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.SMOLLAMA_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(docsShot, '..'), { recursive: true });
      await page.screenshot({ path: docsShot });
    }
  });

  await t.test('observation text with markup shows as text; search filters', async (t) => {
    const base = { kind: 'trend', confidence: 0.8, sources: ['test.temp'], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: { model: 't', dim: 1, vector: 'AAAAAA==' } };
    await journal.append([
      { type: 'observation.recorded', data: { ...base, text: '<b>bold</b> <img src=x onerror="window.__xss=1"> door opened' } },
      { type: 'observation.recorded', data: { ...base, kind: 'anomaly', text: 'temperature rising' } },
    ]);
    for (const r of node.runners.values()) await r.caughtUp().then(() => r.flush()); // records are readable once committed
    await open('observations', 'Observations');
    await page.locator('td', { hasText: '<b>bold</b>' }).waitFor({ timeout: 5000 });
    t.equal(await page.locator('smol-observations b').count(), 0, 'no <b> element was created');
    t.equal(await page.locator('smol-observations img').count(), 0, 'no <img> element was created');
    t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await page.locator('smol-observations input[name=query]').fill('rising');
    await page.locator('smol-observations input[name=query]').press('Enter');
    await page.locator('smol-observations tbody tr').first().waitFor();
    await page.waitForFunction(() => document.querySelector('smol-app')?.shadowRoot?.querySelector('smol-observations')?.shadowRoot?.querySelectorAll('tbody tr').length === 1);
    t.match(await page.locator('smol-observations tbody').innerText(), /temperature rising/);
    await page.screenshot({ path: join(shots, 'observations-search.png') });
  });

  await t.test('GPIO mode switches to hardware from the page, and the switch is journaled', async (t) => {
    await open('gpio', 'GPIO');
    await page.locator('[data-testid=gpio-mode]', { hasText: 'simulated' }).waitFor();
    await page.locator('button[data-mode=hardware]').click();
    await page.locator('[data-testid=gpio-mode]', { hasText: 'hardware' }).waitFor({ timeout: 5000 });
    const modes: unknown[] = [];
    for await (const e of journal.read({ types: ['gpio.mode.changed'] })) modes.push((e.event.data as { mode: string }).mode);
    t.same(modes, ['hardware']);
    await page.screenshot({ path: join(shots, 'gpio-hardware.png') });
  });

  await t.test('the journal page tails new events live', async (t) => {
    await open('journal', 'Journal');
    await page.locator('smol-journal .badge.live').waitFor();
    const entry = await journal.appendOne('node.stopped', { reason: 'browser test' });
    await page.locator(`tr[data-position="${entry.position}"]`).waitFor({ timeout: 5000 });
    await page.locator(`tr[data-position="${entry.position}"]`).click();
    await page.locator('pre', { hasText: 'browser test' }).waitFor();
    t.pass('the new event appeared and its detail opens');
  });

  await t.test('usable on a phone (390×844): no sideways page scroll, no broken word, every section in the menu', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    // Every section the menu lists (read from the page, so sections added later are checked too).
    const sections = await page.locator('smol-app nav a').evaluateAll((links) => links.map((a) => [(a.getAttribute('href') ?? '').replace(/^#\/?/, ''), a.textContent?.trim() ?? ''] as const));
    t.ok(sections.length >= 8, `the menu lists ${sections.map(([, l]) => l).join(', ')}`);
    for (const [hash] of sections) {
      await page.goto(`${base}#/${hash}`);
      await page.locator('smol-app main h2').first().waitFor({ timeout: 10_000 });
      await settled(page);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      t.ok(scrollWidth <= innerWidth, `${hash}: the page does not scroll sideways (scrollWidth ${scrollWidth}, window ${innerWidth})`);
      t.same(await page.evaluate(brokenWords), [], `${hash}: no word in a table cell or card is split across lines`);
      await page.screenshot({ path: join(shots, `phone-${hash}.png`), fullPage: true });
    }
    const menu = page.locator('smol-app button.menu');
    t.ok((await menu.boundingBox())!.height >= 44, 'the menu button is a 44 px touch target');
    for (const [hash, label] of sections) {
      await menu.click();
      const link = page.locator(`smol-app nav a[href="#/${hash}"]`);
      await link.waitFor({ state: 'visible' });
      const box = (await link.boundingBox())!;
      t.ok(box.x >= 0 && box.x + box.width <= 390 && box.height >= 44, `"${label}" is in view and 44 px tall`);
      await link.click();
      await page.waitForFunction((h) => location.hash === `#/${h}`, hash);
    }
    t.pass('every section is reachable from the menu');
  });

  t.same(errors, [], 'no script errors on any page');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
