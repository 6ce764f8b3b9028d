import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import { httpNode } from './helpers/http-node.js';
import { openBrowser, screenshot, skipWithoutChromium } from './helpers/browser.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const skip = skipWithoutChromium();

/** What smol-chart's view() says it drew, read through the shadow roots. */
type ChartView = { from: number; to: number; ticks: string[][]; width: number; bands: number } | undefined;
const chartView = (page: Page) =>
  page.evaluate(() => {
    const readings = document.querySelector('smol-app')?.shadowRoot?.querySelector('smol-readings');
    const chart = readings?.shadowRoot?.querySelector('smol-chart') as unknown as { view(): unknown } | null;
    return chart?.view() as ChartView;
  });

t.test('charts, units and staleness in Chromium: 2 minutes of data on a 1 h axis, a band, a tooltip, on/off, stale values', { skip: skip ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: true });
  // Two minutes of readings, every 10 s, ending now.
  let clock: number | undefined = Date.now() - 2 * 60_000;
  const { app, journal, sample } = await httpNode(t, { uiDir }, { now: () => clock ?? Date.now() });
  await journal.append([
    { type: 'source.registered', data: { source: 'test.door', provider: 'test', label: 'Front door', deviceClass: 'door', binary: true, simulated: false } },
    { type: 'source.registered', data: { source: 'test.humidity', provider: 'test', unit: '%', label: 'Cellar humidity', binary: false, simulated: false } },
    { type: 'source.registered', data: { source: 'test.disk', provider: 'test', unit: 'MiB', label: 'Disk free', binary: false, simulated: false } },
  ]);
  for (let i = 0; i < 12; i++) {
    await sample({ 'test.temp': 21 + Math.sin(i / 2), 'test.door': i % 4 < 2 ? 0 : 1, 'test.humidity': 55 + (i % 3), 'test.disk': 80_141 });
    clock += 10_000;
  }
  clock = undefined;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;

  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1280, height: 800 } });
  const shoot = (name: string) => screenshot(page, name);

  await t.test('the chart: ticks with units, the requested range, a min/max band, a tooltip on hover', async (t) => {
    await page.goto(`${base}#/readings`);
    await page.locator('smol-readings [data-source="test.temp"]').click();
    await page.locator('smol-chart canvas').first().waitFor({ timeout: 10_000 });
    let view = await chartView(page);
    await waitFor(async () => (view = await chartView(page)) !== undefined, { timeoutMs: 5000, message: 'the chart draws' });
    t.ok(view!.to - view!.from >= 59 * 60_000 && view!.to - view!.from <= 61 * 60_000, `the x axis spans the hour asked for, not the 2 minutes of data (${Math.round((view!.to - view!.from) / 60_000)} min)`);
    t.ok(view!.ticks[0]!.length >= 3, `time ticks: ${view!.ticks[0]!.join(', ')}`);
    t.ok(view!.ticks[1]!.length >= 3 && view!.ticks[1]!.every((v) => v.endsWith('°C')), `y ticks carry the unit: ${view!.ticks[1]!.join(', ')}`);
    t.equal(view!.bands, 1, 'one min/max band');
    const label = await page.locator('smol-chart .plot').getAttribute('aria-label');
    t.match(label, /^Test temperature, last 1 h: min [\d.]+ °C, max [\d.]+ °C, now [\d.]+ °C$/, `a text summary: ${label}`);

    const over = page.locator('smol-chart .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2);
    await page.locator('smol-chart .tip').waitFor({ state: 'visible', timeout: 5000 });
    t.match(await page.locator('smol-chart .tip').innerText(), /Test temperature: [\d.]+ °C/, 'the tooltip shows the value under the cursor');
    await shoot('chart-desktop.png');

    await page.locator('smol-readings button', { hasText: '24h' }).click();
    await waitFor(async () => ((view = await chartView(page)) ? view.to - view.from > 23 * 3_600_000 : false), { timeoutMs: 5000, message: 'the 24 h range is drawn' });
    t.pass('24 h asked, 24 h drawn');
    await page.locator('smol-readings button', { hasText: '1h' }).click();
  });

  await t.test('a percentage is drawn on 0–100; sizes in human units', async (t) => {
    await page.locator('smol-readings [data-source="test.humidity"]').click();
    await waitFor(async () => (await chartView(page))?.ticks[1]?.some((v) => v === '100 %') ?? false, { timeoutMs: 5000, message: 'the % axis reaches 100 %' });
    const view = (await chartView(page))!;
    t.ok(view.ticks[1]!.includes('0 %') && view.ticks[1]!.includes('100 %'), `0 % to 100 %: ${view.ticks[1]!.join(', ')}`);
    t.match(await page.locator('smol-readings [data-source="test.disk"] [data-testid=value]').innerText(), /^84\s*GB$/, '80,141 MiB shows as 84 GB');
    t.match(await page.locator('smol-readings [data-source="test.temp"] time').getAttribute('title'), /\d{1,2}:\d\d:\d\d/, 'the exact time on hover');
  });

  await t.test('a binary source renders as an on/off timeline', async (t) => {
    await page.locator('smol-readings [data-source="test.door"]').click();
    await waitFor(async () => (await chartView(page))?.ticks[1]?.includes('on') ?? false, { timeoutMs: 5000, message: 'the binary axis is drawn' });
    t.same((await chartView(page))!.ticks[1], ['off', 'on'], 'the y axis says off / on, nothing between');
    t.match(await page.locator('smol-readings [data-source="test.door"] [data-testid=value]').innerText(), /^(on|off)$/, 'the card says on or off');
    t.match(await page.locator('smol-chart .plot').getAttribute('aria-label'), /Front door, last 1 h: on \d+ % of the time, now (on|off)/);
  });

  await t.test('several sources on one chart', async (t) => {
    await page.locator('smol-readings [data-source="test.temp"]').click();
    await page.locator('smol-readings select[name=compare]').selectOption({ label: 'Cellar humidity' });
    await waitFor(async () => ((await chartView(page))?.ticks.length ?? 0) === 3, { timeoutMs: 5000, message: 'a second y axis for %' });
    const view = (await chartView(page))!;
    t.equal(view.bands, 2, 'a band per source');
    t.match(await page.locator('smol-chart .plot').getAttribute('aria-label'), /Test temperature.*; Cellar humidity/);
  });

  await t.test('on a phone the chart fits, with text of at least 12 px', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => ((await chartView(page))?.width ?? 999) <= 390, { timeoutMs: 5000, message: 'the chart follows its box' });
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the page does not scroll sideways');
    const smallest = await page.evaluate(() => {
      const root = document.querySelector('smol-app')!.shadowRoot!.querySelector('smol-readings')!.shadowRoot!;
      return Math.min(...[...root.querySelectorAll('.card *')].filter((e) => e.childNodes.length > 0 && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())).map((e) => parseFloat(getComputedStyle(e).fontSize)));
    });
    t.ok(smallest >= 12, `the smallest text on the readings page is ${smallest} px`);
    await page.locator('smol-readings [data-source="test.temp"]').click();
    await page.waitForFunction(() => true);
    await shoot('chart-phone.png');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('the overview in human units, on a desktop and a phone', async (t) => {
    for (const [width, height, name] of [[1280, 800, 'desktop'], [390, 844, 'phone']] as const) {
      await page.setViewportSize({ width, height });
      await page.goto(`${base}#/overview`);
      await page.locator('smol-overview [data-source="test.disk"]').waitFor({ timeout: 10_000 });
      t.match(await page.locator('smol-overview [data-source="test.disk"] .value').innerText(), /^84\s*GB$/, `${name}: disk free in GB`);
      t.match(await page.locator('smol-overview [data-testid=node-uptime]').innerText(), /Smollama uptime\s+\d+ (s|min)/, `${name}: one clearly named uptime`);
      t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scroll`);
      await shoot(`overview-units-${name}.png`); // overview-*.png are the story's (ui-overview-fleet)
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('a stopped node turns its values stale', async (t) => {
    await page.goto(`${base}#/readings`);
    await page.locator('smol-readings .badge.live').waitFor({ timeout: 5000 });
    t.equal(await page.locator('smol-readings [data-source="test.temp"]').getAttribute('data-stale'), 'false', 'fresh while the node reports');
    await app.close();
    await page.locator('smol-readings [data-testid=node-stale]').waitFor({ timeout: 10_000 });
    t.equal(await page.locator('smol-readings [data-source="test.temp"]').getAttribute('data-stale'), 'true');
    t.match(await page.locator('smol-readings [data-source="test.temp"] .stale-note').innerText(), /^stale since \d{1,2}:\d\d$/);
    const opacity = await page.evaluate(() => {
      const card = document.querySelector('smol-app')!.shadowRoot!.querySelector('smol-readings')!.shadowRoot!.querySelector('[data-source="test.temp"] .value')!;
      return Number(getComputedStyle(card).opacity);
    });
    t.ok(opacity < 0.6, `the stale value is dimmed (opacity ${opacity})`);
  });

  t.same(errors, [], 'no script errors');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
