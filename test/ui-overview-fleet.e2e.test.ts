import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import { ErrorCodes } from '../core/errors.js';
import { MemoryPressureMonitor } from '../core/runtime/memory-pressure.js';
import type { UnitReport } from '../core/runtime/units.js';
import { SmolError } from '../core/errors.js';
import type { VisionService } from '../core/vision/vision-service.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { axeCheck, describeViolations } from './helpers/axe.js';
import { openBrowser, screenshot, skipWithoutChromium } from './helpers/browser.js';
import { edgeJournal, edgeNotes, edgeReadings, syncEdgeInto } from './helpers/fleet-fixture.js';
import { httpNode } from './helpers/http-node.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const MIN = 60_000;
// A real photo from Debian's opencv-doc when there (.ci/run installs it), else a plain frame.
const PHOTO = '/usr/share/doc/opencv-doc/examples/data/messi5.jpg';
const PERSON = { x: 0.13, y: 0.18, w: 0.71, h: 0.82 };
const MB = 1024 * 1024;

/** Whether the page itself scrolls sideways (its content is wider than the viewport). */
const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

/** Asserts axe finds no serious or critical violation on the page as it is. */
async function accessible(t: Test, page: Page, what: string): Promise<void> {
  const { serious } = await axeCheck(page);
  t.same(serious.map((v) => v.id), [], `${what}: no serious axe violation${serious.length ? `\n${describeViolations(serious)}` : ''}`);
}

t.test('the overview tells the story and the hub shows its fleet, on a desktop and a phone', { skip: skipWithoutChromium() ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: true });
  const real = Date.now();
  let clock: number | undefined = real - 3 * 60 * MIN;
  const now = () => clock ?? Date.now();
  const units: UnitReport[] = ['journal', 'projections', 'sensors', 'http', 'sync', 'memory'].map((name) => ({ name, state: 'running' }));
  units.push({ name: 'observer', state: 'degraded', code: ErrorCodes.LLM_UNREACHABLE, message: 'no model answers at http://127.0.0.1:11434: statistical observations until one does', since: new Date(real - 20 * MIN).toISOString() });
  const memory = new MemoryPressureMonitor(512 * MB);
  memory.update({ rssBytes: 140 * MB, heapUsedBytes: 60 * MB, heapLimitBytes: 400 * MB, memTotalBytes: 2048 * MB, memAvailableBytes: 1100 * MB });
  // The cameras are hardware: no camera here, but the snapshots are the real store's.
  const store = await SnapshotStore.open({ dir: join(tempDir(t), 'snapshots'), maxBytes: 50_000_000 });
  const frame = existsSync(PHOTO) ? await readFile(PHOTO) : await sharp({ create: { width: 480, height: 360, channels: 3, background: '#5b7f4a' } }).jpeg().toBuffer();
  const { sha256: shot } = await store.put(frame, [PERSON]);
  const vision: VisionService = {
    cameras: () => [],
    look: async () => {
      throw new SmolError(ErrorCodes.NOT_FOUND, 'no camera');
    },
    snapshot: (sha, variant) => store.get(sha, variant),
    memory: () => ({ modelsLoaded: false }),
  };
  const hub = await httpNode(t, { uiDir, units: () => units, memory: { pressure: memory, largeSyncPushBytes: MB }, vision: () => vision }, { now, role: 'llama', search: true });
  const greenhouse = await edgeJournal(t, { name: 'greenhouse', sources: [{ source: 'env.temp', unit: '°C', label: 'Greenhouse temperature' }, { source: 'env.humidity', unit: '%', label: 'Greenhouse humidity' }, { source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }] }, now);
  const barn = await edgeJournal(t, { name: 'barn', sources: [{ source: 'env.temp', unit: '°C', label: 'Barn temperature' }, { source: 'door.barn', label: 'Barn door', binary: true }] }, now);

  // The barn synced last three hours ago, then went quiet; the greenhouse synced just now.
  await edgeReadings(barn, { 'env.temp': 8.5, 'door.barn': 0 });
  await edgeNotes(barn.journal, { sources: [{ source: 'env.temp', label: 'Barn temperature' }], observation: { text: 'Barn temperature held steady around 8.5 °C all evening.', method: 'statistical' } }, now());
  await syncEdgeInto(hub.journal, barn);
  clock = real - 2 * MIN;
  await hub.sample({ 'test.temp': 21.4 });
  await edgeNotes(hub.journal, { sources: [{ source: 'test.temp', label: 'Kitchen' }], observation: { text: 'Kitchen temperature flat at 21.4 °C for the last hour.', method: 'statistical' }, memory: 'The barn door is usually shut after dark.' }, now());
  clock = undefined;
  await edgeReadings(greenhouse, { 'env.temp': 24.5, 'env.humidity': 61, 'system.cpu_temp': 48.2 });
  const detected = { phase: 'new' as const, zones: [] as string[], box: PERSON, startedAtMs: real - MIN };
  await hub.journal.appendOne('vision.detected', { ...detected, camera: 'porch', objectId: 'p1', label: 'person', score: 0.88, topScore: 0.91, snapshot: shot });
  // The greenhouse's snapshot stays on the greenhouse (snapshots are not synced).
  await greenhouse.journal.appendOne('vision.detected', { ...detected, camera: 'bench', objectId: 'c1', label: 'cat', score: 0.7, topScore: 0.74, snapshot: 'ab'.repeat(32) });
  await edgeNotes(greenhouse.journal, { sources: [{ source: 'env.temp', label: 'Greenhouse temperature' }], observation: { text: 'The greenhouse warmed by 3 °C over the last hour while humidity fell.', method: 'llm' }, memory: 'The greenhouse vents open above 28 °C.' }, now());
  const atSync = hub.journal.vector();
  await syncEdgeInto(hub.journal, greenhouse);
  await hub.journal.appendOne('sync.completed', { peer: greenhouse.journal.nodeId, peerName: 'greenhouse', via: 'http', sent: 4, received: 9, bytesSent: 800, bytesReceived: 4200, peerVector: atSync, durationMs: 35, clockOffsetMs: 420 });
  await hub.journal.appendOne('clock.skew.detected', { origin: barn.journal.nodeId, aheadMs: 95_000, remoteHlc: '0000000000000000', maxOffsetMs: 60_000 });
  for (const r of hub.node.runners.values()) await r.caughtUp(hub.journal.lastPosition());

  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1280, height: 800 } });

  const openOverview = async () => {
    await page.goto(`${base}#/overview`);
    await page.locator('smol-overview smol-story [data-method="llm"]').waitFor({ timeout: 10_000 });
  };
  const openFleet = async () => {
    await page.goto(`${base}#/fleet`);
    await page.locator(`smol-fleet article[data-origin="${barn.journal.nodeId}"]`).waitFor({ timeout: 10_000 });
  };

  await t.test('the overview: every unit, the memory level, alerts, observations marked LLM or statistical, memories', async (t) => {
    await openOverview();
    const chips = page.locator('smol-unit-health [data-unit]');
    t.equal(await chips.count(), units.length, 'a chip per unit');
    t.equal(await page.locator('smol-unit-health [data-unit="observer"]').getAttribute('data-state'), 'degraded');
    t.match(await page.locator('smol-unit-health .why').innerText(), /observer degraded: no model answers.*SMOL_LLM_UNREACHABLE/s, 'why the observer is degraded');
    t.match(await page.locator('smol-overview [data-testid=memory-level]').innerText(), /Memory\s+normal\s+140 MB of 512 MB used/);
    t.equal(await page.locator(`smol-alerts [data-code="${ErrorCodes.CLOCK_SKEW}"]`).count(), 1, 'the barn clock skew is an alert');
    t.match(await page.locator(`smol-alerts [data-code="${ErrorCodes.CLOCK_SKEW}"]`).innerText(), /barn runs 95 s ahead of kitchen/);
    t.equal(await page.locator(`smol-alerts [data-code="${ErrorCodes.LLM_UNREACHABLE}"]`).count(), 1, 'the degraded unit is an alert');
    const obs = page.locator('smol-story [data-testid=observations] li');
    t.equal(await obs.count(), 3, 'the observations of all three nodes');
    t.match(await obs.nth(0).innerText(), /greenhouse warmed[\s\S]*LLM[\s\S]*greenhouse/, 'the newest first, written by the model, of the greenhouse');
    t.match(await obs.nth(1).innerText(), /Kitchen temperature flat[\s\S]*statistical/, 'a statistical one is marked so');
    t.equal(await page.locator('smol-story [data-testid=observations] [data-method="statistical"]').count(), 2);
    t.match(await page.locator('smol-story [data-testid=memories]').innerText(), /vents open above 28 °C[\s\S]*barn door is usually shut/, 'recent memories, newest first');
    const detections = page.locator('smol-detections li');
    t.equal(await detections.count(), 2, 'both detections');
    const thumb = page.locator('smol-detections li[data-object="p1"] img');
    await waitFor(() => thumb.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeoutMs: 10_000, message: 'the thumbnail loads' });
    t.equal(await thumb.getAttribute('alt'), 'person on porch');
    await page.locator('smol-detections li[data-object="c1"] .noimg').waitFor({ timeout: 5000 });
    t.match(await page.locator('smol-detections li[data-object="c1"]').innerText(), /cat[\s\S]*greenhouse · bench/, 'whose camera it was');
    t.pass("the greenhouse's snapshot is not here: a label stands in");
    t.ok(await page.locator('smol-app nav a[href="#/fleet"]').isVisible(), 'a hub lists the fleet');
    await screenshot(page, 'overview-desktop.png');
    await accessible(t, page, 'the hub overview');
  });

  await t.test('the fleet: both edges with status and last seen; the quiet one is offline', async (t) => {
    await openFleet();
    const card = (origin: string) => page.locator(`smol-fleet article[data-origin="${origin}"]`);
    t.equal(await page.locator('smol-fleet article').count(), 3, 'the hub and both edges');
    t.equal(await card(greenhouse.journal.nodeId).getAttribute('data-status'), 'online');
    t.equal(await card(barn.journal.nodeId).getAttribute('data-status'), 'offline', 'last seen 3 h ago: offline');
    t.match(await card(barn.journal.nodeId).locator('[data-testid=last-seen]').innerText(), /3 hr|3 h/);
    t.match(await card(barn.journal.nodeId).locator('[data-testid=last-seen] time').getAttribute('title'), /\d{1,2}:\d{2}:\d{2}/, 'the exact time on hover');
    t.match(await card(greenhouse.journal.nodeId).locator('[data-testid=last-seen]').innerText(), /now|sec/);
    t.match(await card(greenhouse.journal.nodeId).innerText(), /lag \d+ events?/);
    t.match(await card(greenhouse.journal.nodeId).locator('[data-testid=clock]').innerText(), /\+420 ms/);
    t.match(await card(barn.journal.nodeId).locator('[data-testid=clock]').innerText(), /^\s*runs \+95 s ahead$/);
    t.match(await card(greenhouse.journal.nodeId).innerText(), /Greenhouse temperature\s+24\.5\s+°C/);
    t.match(await card(greenhouse.journal.nodeId).locator('[data-testid=observation]').innerText(), /warmed[\s\S]*LLM/);
    t.match(await card(barn.journal.nodeId).locator('[data-testid=observation]').innerText(), /statistical/);
    await screenshot(page, 'fleet-desktop.png');
    await accessible(t, page, 'the fleet');
    await page.emulateMedia({ colorScheme: 'dark' });
    await accessible(t, page, 'the fleet, dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await t.test('one click opens an edge\'s readings, filtered to it', async (t) => {
    await page.locator(`smol-fleet article[data-origin="${greenhouse.journal.nodeId}"] a.name`).click();
    await page.locator('smol-readings [data-testid=node-filter]').waitFor({ timeout: 10_000 });
    t.match(page.url(), new RegExp(`#/readings\\?node=${greenhouse.journal.nodeId}$`));
    // The node's name comes from a second request after the filter shows: wait for it, with a deadline.
    await page.locator('smol-readings [data-testid=node-filter]', { hasText: /Only\s+greenhouse/ }).waitFor({ timeout: 10_000 });
    t.match(await page.locator('smol-readings [data-testid=node-filter]').innerText(), /Only\s+greenhouse/);
    const cards = page.locator('smol-readings button.reading');
    await waitFor(async () => (await cards.count()) === 3, { timeoutMs: 5000, message: 'the greenhouse readings' });
    t.same((await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-source')))).sort(), ['env.humidity', 'env.temp', 'system.cpu_temp'], 'its three sources, none of the hub or the barn');
    await page.locator('smol-readings [data-testid=node-filter] a').click();
    await waitFor(async () => (await cards.count()) === 6, { timeoutMs: 5000, message: 'every node\'s readings again' });
  });

  await t.test("the fleet links into an edge's observations and journal, filtered to it", async (t) => {
    const links = (name: string) => page.locator(`smol-fleet article[data-origin="${greenhouse.journal.nodeId}"] .links a`, { hasText: name });
    await openFleet();
    await links('Observations').click();
    const obs = page.locator('smol-observations tbody tr');
    await waitFor(async () => (await obs.count()) === 1, { timeoutMs: 5000, message: 'only the greenhouse observation' });
    t.match(await obs.innerText(), /greenhouse warmed/);
    await openFleet();
    await links('Journal').click();
    const rows = page.locator('smol-journal tbody tr .id');
    await rows.first().waitFor({ timeout: 10_000 });
    const origins = await rows.evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    t.ok(origins.length > 3 && origins.every((o) => o.startsWith('greenhouse:')), `only the greenhouse's events (${origins.length})`);
  });

  await t.test('on a phone: the overview and the fleet do not scroll sideways', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openOverview();
    t.notOk(await scrollsSideways(page), 'the overview fits 390 px');
    await screenshot(page, 'overview-phone.png');
    await accessible(t, page, 'the hub overview on a phone');
    await openFleet();
    t.notOk(await scrollsSideways(page), 'the fleet fits 390 px');
    await screenshot(page, 'fleet-phone.png');
    await accessible(t, page, 'the fleet on a phone');
  });

  t.same(errors, [], 'no script error');
  t.same(external, [], 'no request left the node');
});
