import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { deviceConfig, deviceHarness } from './helpers/device-harness.js';
import { tempDir } from './helpers/temp-dir.js';

function detector(file: string, extra: Record<string, unknown> = {}) {
  return deviceConfig({
    platform: 'external-json',
    name: 'jetson',
    path: file,
    staleAfterMs: 10_000,
    values: { people: { path: '$.counts.person', unit: 'persons' }, cars: { path: 'counts.car' }, present: { path: 'person_present', binary: true, deviceClass: 'occupancy' }, boxes: { path: 'detections' } },
    ...extra,
  });
}

t.test('values are read with JSON paths; booleans are 1/0, lists count', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.json');
  writeFileSync(file, JSON.stringify({ counts: { person: 2, car: 0 }, person_present: true, detections: [{}, {}, {}] }));
  const h = deviceHarness(detector(file), { clock: { now: Date.now() } });
  await h.runner.start();
  t.same(await h.runner.sample(), { 'jetson.people': 2, 'jetson.cars': 0, 'jetson.present': 1, 'jetson.boxes': 3 });
  t.match(h.runner.sources().find((s) => s.source === 'jetson.present'), { binary: true, deviceClass: 'occupancy', platform: 'external-json', device: 'jetson' });
  t.equal(h.runner.sources().find((s) => s.source === 'jetson.people')?.unit, 'persons');
});

t.test('missing, half-written, garbage and stale files are absent and counted, and the device recovers by itself', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.json');
  const clock = { now: Date.now() };
  const h = deviceHarness(detector(file), { clock });
  await h.runner.start();
  const failure = () => h.runner.stats().get('jetson.people')?.lastError;

  t.same(await h.runner.sample(), {}, 'missing');
  t.match(failure(), { code: 'SMOL_DEVICE_UNAVAILABLE', message: /does not exist/ });

  writeFileSync(file, '{"counts": {"person": 3, "ca');
  t.same(await h.runner.sample(), {}, 'half-written');
  t.match(failure(), { code: 'SMOL_DEVICE_READ_FAILED', message: /not JSON \(half-written or garbage\)/ });

  writeFileSync(file, '\u0000\u0001garbage');
  t.same(await h.runner.sample(), {}, 'garbage');
  writeFileSync(file, '');
  t.same(await h.runner.sample(), {}, 'empty');
  t.match(failure(), { message: /empty/ });

  writeFileSync(file, JSON.stringify({ counts: { person: 1, car: 'many' }, person_present: false, detections: [] }));
  const old = (clock.now - 60_000) / 1000;
  utimesSync(file, old, old);
  t.same(await h.runner.sample(), {}, 'stale by its mtime');
  t.match(failure(), { code: 'SMOL_DEVICE_READ_FAILED', message: /stale: 60 s old/ });
  t.equal(h.warnings.filter((w) => w.key === 'jetson:jetson.people').length, 1, 'a run of failures is logged once');

  const fresh = clock.now / 1000;
  utimesSync(file, fresh, fresh);
  t.same(await h.runner.sample(), { 'jetson.people': 1, 'jetson.present': 0, 'jetson.boxes': 0 }, 'fresh again: read; a path that leads to text is absent');
  t.match(h.runner.stats().get('jetson.cars')?.lastError, { code: 'SMOL_DEVICE_READ_FAILED', message: /no number at counts\.car/ });
  t.same(h.runner.stats().get('jetson.people'), { ok: 1, failed: 5 }, 'recovered: counts kept, no lastError');
  t.match(h.infos.join('\n'), /jetson\.people reads again after 5 failed read/);
  t.match(h.runner.problem(), { message: /jetson\.cars/ }, 'the device still says which source fails');

  rmSync(file);
  t.same(await h.runner.sample(), {}, 'gone again');
  t.equal(h.warnings.filter((w) => w.key === 'jetson:jetson.people').length, 1, 'logged again after the recovery cleared the key');
});

t.test('a timestamp field decides staleness when configured (seconds, ms or ISO text)', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.json');
  const clock = { now: Date.parse('2026-12-01T12:00:00Z') };
  const h = deviceHarness(detector(file, { timestampPath: '$.ts' }), { clock });
  await h.runner.start();
  const body = (ts: unknown) => JSON.stringify({ ts, counts: { person: 4, car: 1 }, person_present: true, detections: [] });
  writeFileSync(file, body(clock.now / 1000 - 5));
  t.equal((await h.runner.sample())['jetson.people'], 4, 'seconds, 5 s old: fresh');
  writeFileSync(file, body(clock.now - 11_000));
  t.same(await h.runner.sample(), {}, 'ms, 11 s old: stale, although the file was just written');
  writeFileSync(file, body('2026-12-01T11:59:58Z'));
  t.equal((await h.runner.sample())['jetson.cars'], 1, 'ISO text');
  writeFileSync(file, body('yesterday'));
  t.same(await h.runner.sample(), {});
  t.match(h.runner.stats().get('jetson.people')?.lastError, { message: /no time at \$\.ts/ });
});

t.test('filters run on what the file says', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.json');
  const clock = { now: Date.now() };
  const h = deviceHarness(detector(file, { sourceFilters: { people: [{ kind: 'delta', min: 1 }, { kind: 'heartbeat', ms: 60_000 }] } }), { clock });
  await h.runner.start();
  const people = async (n: number, advanceMs: number) => {
    clock.now += advanceMs;
    writeFileSync(file, JSON.stringify({ counts: { person: n, car: 0 }, person_present: n > 0, detections: [] }));
    utimesSync(file, clock.now / 1000, clock.now / 1000); // written "now" on the test's clock
    return (await h.runner.sample())['jetson.people'];
  };
  t.equal(await people(2, 0), 2);
  t.equal(await people(3, 1000), undefined, 'a change of 1 is not more than 1');
  t.equal(await people(5, 1000), 5);
  t.equal(await people(5, 30_000), undefined);
  t.equal(await people(5, 30_000), 5, 'heartbeat after 60 s');
  t.same(h.runner.stats().get('jetson.people'), { ok: 5, failed: 0 }, 'held back by a filter is not a failed read');
});
