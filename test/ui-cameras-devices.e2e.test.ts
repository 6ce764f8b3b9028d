import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import { outputsSection } from '../adapters/config/sections/outputs.js';
import { createOutputs } from '../adapters/devices/outputs/outputs.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import type { Box } from '../core/vision/vision-port.js';
import type { CameraStatus, LookResult, VisionService } from '../core/vision/vision-service.js';
import { openBrowser, screenshot, skipWithoutChromium } from './helpers/browser.js';
import { deviceConfig, deviceHarness } from './helpers/device-harness.js';
import { FakeI2cBus, FakeLcd } from './helpers/fake-i2c-chips.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { httpNode } from './helpers/http-node.js';
import { missingProgram } from './helpers/required-program.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// A real photo from Debian's opencv-doc (as in vision-models-photos.int.test.ts); .ci/run installs it.
const PHOTO = '/usr/share/doc/opencv-doc/examples/data/messi5.jpg';
const skip = skipWithoutChromium() ?? missingProgram(PHOTO, 'apt-get install opencv-doc');
// Where the player and the ball are, read off the photo by eye (normalised x, y, w, h).
const MESSI: Box = { x: 0.13, y: 0.18, w: 0.71, h: 0.82 };
const BALL: Box = { x: 0.62, y: 0.85, w: 0.09, h: 0.13 };

/** Words in cells and cards (through shadow roots) whose letters lie on more than one line. */
function brokenWords(): string[] {
  const out: string[] = [];
  const visit = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (!el.matches('td, th, .card, .card *') || el.closest('.id, code, pre')) continue;
      for (const node of el.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE) continue;
        for (const m of (node.textContent ?? '').matchAll(/\S{2,}/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          if (new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size > 1) out.push(m[0]);
        }
      }
    }
  };
  visit(document);
  return out;
}

/** Buttons, inputs and links of the page's views (through shadow roots) smaller than a 44 px touch target. */
function smallTargets(): string[] {
  const out: string[] = [];
  const visit = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (!el.matches('button, input:not([type=range]), select') || !el.closest('section, .chips, form')) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height < 44) out.push(`${el.tagName} ${el.textContent?.trim() ?? ''} ${Math.round(r.height)} px`);
    }
  };
  visit(document);
  return out;
}

// axe-core's browser build, evaluated in the page (as test/ui-a11y.e2e.test.ts does: the CSP refuses inline scripts).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations of the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
  });
}

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

t.test('the cameras and devices views in Chromium, on a desktop and a phone', { skip: skip ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: false });
  const dataDir = tempDir(t);
  const store = await SnapshotStore.open({ dir: join(dataDir, 'snapshots'), maxBytes: 50_000_000 });
  const { sha256: shot } = await store.put(await readFile(PHOTO), [MESSI, BALL]);

  // The camera is hardware: its live status and "look" are a stand-in; the snapshots are the real store's.
  let visionOn = true;
  const looks: string[] = [];
  const porch: CameraStatus = { name: 'porch', describe: 'dir /var/lib/motion', state: 'ok', lastFrameAtMs: Date.now(), frames: 120, inferences: 14, skippedStill: 106, occupancy: {}, latestSnapshot: shot };
  const gate: CameraStatus = {
    name: 'gate', describe: 'rtsp rtsp://***@192.168.1.20:554/stream1', state: 'failing', frames: 0, inferences: 0, skippedStill: 0, occupancy: {},
    lastError: { code: 'SMOL_CAMERA_UNAVAILABLE', message: 'ffmpeg exited with code 1: Connection refused', atMs: Date.now() - 30_000 }, nextRetryAtMs: Date.now() + 120_000,
  };
  const vision: VisionService = {
    cameras: () => [porch, gate],
    look: async (camera = 'porch'): Promise<LookResult> => {
      looks.push(camera);
      return { camera, capturedAtMs: Date.now(), detections: [{ label: 'person', score: 0.88, box: MESSI }], classes: [{ label: 'person', score: 0.71 }], snapshot: shot };
    },
    snapshot: (sha, variant) => store.get(sha, variant),
    memory: () => ({ modelsLoaded: false }),
  };

  const sys = new FakeSysfs(join(dataDir, 'sys'));
  sys.pwmChip(0);
  sys.exportPwm(0, 0);
  const bus = new FakeI2cBus();
  bus.chips.set(0x27, new FakeLcd());
  const detector = join(dataDir, 'detector.json');
  const { runner } = deviceHarness(
    deviceConfig({ platform: 'external-json', name: 'jetson', path: detector, staleAfterMs: 600_000, values: { people: { path: '$.people', label: 'People in view' }, lux: { path: '$.lux', unit: 'lx' } } }),
    { clock: { now: Date.now() } },
  );
  const { app, journal, node, sample } = await httpNode(t, async (n) => {
    const outputs = createOutputs(
      outputsSection.parse([
        { name: 'lamp', label: 'Porch lamp', platform: 'gpio', pin: 'led' },
        { name: 'fan', platform: 'pwm', maxDuty: 0.5 },
        { name: 'display', platform: 'lcd' },
      ]),
      { journal: n.journal, gpio: n.gpio, sysRoot: sys.root, i2cBus: async () => bus, delay: async () => undefined, assertWritable: () => undefined },
    );
    return { uiDir, vision: () => (visionOn ? vision : undefined), outputs: () => outputs, devices: () => [runner, attic] };
  });
  await runner.start();
  await writeFile(detector, JSON.stringify({ people: 2, lux: 12840 }));
  await sample(await runner.sample());
  // Then the detector stops writing lux: a failed read, counted, with its code and time.
  await writeFile(detector, JSON.stringify({ people: 2 }));
  await sample(await runner.sample());
  // And a 1-Wire thermometer that is not plugged in: not set up, retried.
  const attic = deviceHarness(deviceConfig({ platform: 'w1', name: 'attic' })).runner;
  await attic.start();

  const detected = (objectId: string, phase: 'new' | 'update' | 'end', label: string, box: Box, score: number, zones: string[] = []) => ({
    type: 'vision.detected', data: { camera: 'porch', objectId, phase, label, score, topScore: score, box, zones, snapshot: shot, startedAtMs: Date.now() - 60_000 },
  });
  await journal.append([
    detected('0', 'new', 'car', { x: 0.05, y: 0.5, w: 0.3, h: 0.3 }, 0.61),
    detected('0', 'end', 'car', { x: 0.05, y: 0.5, w: 0.3, h: 0.3 }, 0.61),
    detected('1', 'new', 'person', MESSI, 0.93, ['path']),
    detected('2', 'new', 'sports ball', BALL, 0.74),
    // A snapshot the store does not have (removed by its budget, or a peer's): the list says so.
    ...(['new', 'end'] as const).map((phase) => {
      const e = detected('4', phase, 'dog', BALL, 0.66);
      return { ...e, data: { ...e.data, snapshot: 'ab'.repeat(32) } };
    }),
  ]);
  for (const r of node.runners.values()) await r.caughtUp();

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1280, height: 800 } });
  const open = async (hash: string, heading: string) => {
    await page.goto(`${base}#/${hash}`);
    await page.locator('h2', { hasText: heading }).first().waitFor({ timeout: 10_000 });
  };
  const card = page.locator('section[data-camera=porch]');

  await t.test('a camera shows its snapshot with a box over where the event says, its state and counts', async (t) => {
    await open('cameras', 'Cameras');
    const img = card.locator('figure img');
    await img.waitFor();
    await waitFor(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeoutMs: 10_000, message: 'the snapshot loads' });
    t.equal(await img.evaluate((i: HTMLImageElement) => i.naturalWidth), 548, 'the stored photo itself (548 px wide)');
    const frame = (await img.boundingBox())!;
    const rect = (await card.locator('g[data-label=person] rect').boundingBox())!;
    const near = (a: number, b: number) => Math.abs(a - b) <= 3;
    t.ok(near(rect.x, frame.x + MESSI.x * frame.width) && near(rect.y, frame.y + MESSI.y * frame.height), `the box starts at the player (${rect.x},${rect.y})`);
    t.ok(near(rect.width, MESSI.w * frame.width) && near(rect.height, MESSI.h * frame.height), 'and has his size on the picture');
    t.match(await card.locator('g[data-label=person] text').textContent(), /person 93 %/);
    t.equal(await card.locator('g').count(), 2, 'only the open objects (the car ended) have boxes');
    t.equal(await card.locator('[data-testid=occupancy] .count[data-label=person] strong').textContent(), '1');
    const failing = page.locator('section[data-camera=gate]');
    t.match(await failing.locator('[data-testid=camera-error]').textContent(), /SMOL_CAMERA_UNAVAILABLE.*Connection refused.*next try in 2 min/s);
    await screenshot(page, 'cameras-desktop.png');
  });

  await t.test('a vision.detected event appended while the page is open changes the live count', async (t) => {
    await page.locator('smol-cameras h2 .badge.live').waitFor({ timeout: 10_000 });
    const count = card.locator('[data-testid=occupancy] .count[data-label=person] strong');
    await journal.append([detected('3', 'new', 'person', { x: 0.7, y: 0.1, w: 0.2, h: 0.5 }, 0.8)]);
    await waitFor(async () => (await count.textContent()) === '2', { timeoutMs: 5000, message: 'two people in view' });
    await journal.append([detected('3', 'end', 'person', { x: 0.7, y: 0.1, w: 0.2, h: 0.5 }, 0.8)]);
    await waitFor(async () => (await count.textContent()) === '1', { timeoutMs: 5000, message: 'one again after the end' });
    t.pass('1 → 2 → 1 without a reload');
  });

  await t.test('the event list shows thumbnails, newest first, and filters by label', async (t) => {
    const rows = page.locator('smol-cameras tbody tr');
    await waitFor(async () => (await rows.count()) === 5, { timeoutMs: 5000, message: 'five objects listed' });
    const thumb = rows.first().locator('img.thumb');
    await waitFor(() => thumb.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeoutMs: 5000, message: 'a thumbnail loads' });
    t.equal(await thumb.evaluate((i: HTMLImageElement) => i.naturalWidth), 160, 'the 160 px thumbnail');
    t.equal(await rows.first().getAttribute('data-object'), '3', 'the newest object first');
    await page.locator('smol-cameras button[data-filter=label][data-value="sports ball"]').click();
    await waitFor(async () => (await rows.count()) === 1, { timeoutMs: 5000, message: 'one sports ball' });
    t.equal(await rows.first().getAttribute('data-label'), 'sports ball');
    await page.locator('smol-cameras button[data-filter=label][data-value=""]').click();
    await waitFor(async () => (await rows.count()) === 5, { timeoutMs: 5000, message: 'all again' });
    await page.locator('smol-cameras tr[data-object="4"]').scrollIntoViewIfNeeded(); // thumbnails load lazily
    await page.locator('smol-cameras tr[data-object="4"] td', { hasText: 'not on this node' }).waitFor({ timeout: 5000 });
  });

  await t.test('"Look now" asks the camera and shows what it saw', async (t) => {
    await card.locator('button', { hasText: 'Look now' }).click();
    await card.locator('[data-testid=look-result]').waitFor({ timeout: 5000 });
    t.match(await card.locator('[data-testid=look-result]').textContent(), /person 88 %/);
    t.same(looks, ['porch']);
    await card.locator('button', { hasText: 'Back to live' }).click();
  });

  await t.test('the devices view lists a device and the outputs; toggling an output drives it; a refusal shows', async (t) => {
    await open('devices', 'Devices');
    const jetson = page.locator('section[data-device=jetson]');
    await jetson.locator('dd[data-source="jetson.people"]', { hasText: '2' }).waitFor({ timeout: 5000 });
    t.match(await jetson.locator('dd[data-source="jetson.lux"]').textContent(), /12,840 lx|12.840 lx|12 840 lx/, 'lux in human units');
    t.match(await jetson.textContent(), /external-json/);
    t.match(await jetson.locator('[data-testid=read-errors]').textContent(), /1 failed read\s*SMOL_DEVICE_READ_FAILED .+: .*no number at \$\.lux/s, 'read errors: count, code and why');
    t.ok(await jetson.locator('[data-testid=read-errors] time').getAttribute('datetime'), 'and when');
    t.match(await page.locator('section[data-device=attic]').textContent(), /not set up.*SMOL_DEVICE_UNAVAILABLE/s);
    const lamp = page.locator('section[data-output=lamp]');
    const toggle = lamp.locator('button[role=switch]');
    t.equal(await toggle.getAttribute('aria-checked'), 'false');
    await toggle.click();
    await waitFor(async () => (await toggle.getAttribute('aria-checked')) === 'true', { timeoutMs: 5000, message: 'the lamp is on' });
    const written: unknown[] = [];
    for await (const e of journal.read({ types: ['output.written'] })) written.push(e.event.data);
    t.match(written, [{ output: 'lamp', kind: 'switch', value: 1 }], 'journaled as output.written');
    const fan = page.locator('section[data-output=fan]');
    await fan.locator('input[type=range]').fill('80');
    await fan.locator('[data-testid=output-error]').waitFor({ timeout: 5000 });
    t.match(await fan.locator('[data-testid=output-error]').textContent(), /Refused: .*maxDuty.*SMOL_OUTPUT_NOT_ALLOWED/s);
    t.equal(await fan.locator('input[type=range]').inputValue(), '0', 'the refused slider goes back to the level the output has');
    const display = page.locator('section[data-output=display]');
    await display.locator('input[name=value]').fill('Hello');
    await display.locator('button', { hasText: 'Show' }).click();
    await display.locator('[data-testid=output-value]', { hasText: 'Hello' }).waitFor({ timeout: 5000 });
    await screenshot(page, 'devices-desktop.png');
  });

  await t.test('on a phone (390×844): cards, no sideways page scroll, no broken word, 44 px targets', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, heading] of [['cameras', 'Cameras'], ['devices', 'Devices']] as const) {
      await open(hash, heading);
      await page.locator(hash === 'cameras' ? 'smol-cameras tbody tr' : 'section[data-device=jetson] dd').first().waitFor();
      if (hash === 'cameras') await waitFor(() => card.locator('figure img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeoutMs: 5000, message: 'the snapshot loads' });
      t.ok(await noSidewaysScroll(page), `${hash}: the page does not scroll sideways`);
      t.same(await page.evaluate(brokenWords), [], `${hash}: no word split across lines`);
      t.same(await page.evaluate(smallTargets), [], `${hash}: every control is at least 44 px tall`);
      if (hash === 'cameras') await screenshot(page, 'cameras-phone.png');
    }
    for (const label of ['Cameras', 'Devices']) {
      await page.locator('smol-app button.menu').click();
      const link = page.locator('smol-app nav a', { hasText: label });
      await link.waitFor({ state: 'visible' });
      t.ok((await link.boundingBox())!.height >= 44, `"${label}" is in the phone menu`);
      await link.click();
      await page.locator('h2', { hasText: label }).first().waitFor();
    }
  });

  await t.test('no serious accessibility violation (axe) on either view, light and dark', async (t) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [hash, heading, ready] of [['cameras', 'Cameras', 'smol-cameras tbody tr'], ['devices', 'Devices', 'section[data-output=lamp]']] as const) {
        await open(hash, heading);
        await page.locator(ready).first().waitFor();
        t.same(await seriousViolations(page), [], `${hash} (${scheme})`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await t.test('with vision off the view says how to turn it on', async (t) => {
    visionOn = false;
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('cameras', 'Cameras');
    await page.locator('[data-testid=vision-off]').waitFor({ timeout: 5000 });
    t.match(await page.locator('[data-testid=vision-off]').textContent(), /vision\.enabled: true.*vision\.cameras/s);
  });

  t.same(errors, [], 'no script errors');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
