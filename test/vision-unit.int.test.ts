import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../adapters/config/load-config.js';
import { openNodeJournal } from '../adapters/cli/data-dir.js';
import { startNode } from '../adapters/cli/commands/start.js';
import type { Output } from '../adapters/cli/output.js';
import type { MemoryReading } from '../adapters/sensors/memory-readers.js';
import type { Journal } from '../core/journal/journal.js';
import { missingProgram } from './helpers/required-program.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// The vision unit on a real node (issue 13): `dir` cameras fed with real photos from Debian's
// opencv-doc (BSD-licensed OpenCV sample data; .ci/run installs it), the real models in their
// worker. One node, few inferences: porch (a person) and yard (fruit, no person) each run the
// models on their first frame only (the motion gate skips the still frames after), plus one look.

const DATA = '/usr/share/doc/opencv-doc/examples/data';
const photosMissing = missingProgram(`${DATA}/messi5.jpg`, 'apt-get install opencv-doc');
const MIB = 1024 * 1024;

interface Detected {
  camera: string;
  objectId: string;
  phase: 'new' | 'update' | 'end';
  label: string;
  snapshot?: string;
  box: { x: number; y: number; w: number; h: number };
}
interface UnitRow {
  name: string;
  state: string;
  code?: string;
  message?: string;
}

async function detected(journal: Journal): Promise<Detected[]> {
  const out: Detected[] = [];
  for await (const e of journal.read({ types: ['vision.detected'] })) out.push(e.event.data as Detected);
  return out;
}

async function visionEventsOf(journal: Journal, camera: string): Promise<number> {
  let n = 0;
  for await (const e of journal.read({ types: ['vision.detected', 'vision.classified'] })) if ((e.event.data as { camera: string }).camera === camera) n++;
  return n;
}

t.test('a node watching dir cameras journals a person with its snapshot, ends it at stop, reports a missing camera, obeys memory pressure and answers look', { skip: photosMissing }, async (t) => {
  const cwd = tempDir(t);
  const porch = join(cwd, 'porch');
  const yard = join(cwd, 'yard');
  await mkdir(porch);
  await mkdir(yard);
  await copyFile(join(DATA, 'messi5.jpg'), join(porch, 'frame.jpg'));
  await copyFile(join(DATA, 'fruits.jpg'), join(yard, 'frame.jpg'));
  const cam = (name: string, path: string) => `{name: ${name}, source: dir, path: ${JSON.stringify(path)}, intervalMs: 400}`;
  const config = await loadConfig({
    cwd,
    env: { SMOLLAMA_VISION__CAMERAS: `[${cam('porch', porch)}, ${cam('yard', yard)}, ${cam('ghost', join(cwd, 'no-such-dir'))}]` },
    flags: {
      port: '0',
      set: ['http.host=127.0.0.1', 'mqtt.enabled=false', 'observer.enabled=false', 'sensors.system.intervalMs=60000', 'sensors.gpio.mode=simulated', 'llm.host=http://127.0.0.1:9', 'memory.budgetMb=64', 'memory.sampleIntervalMs=250', 'vision.enabled=true', 'log.format=json'],
    },
  });

  // A previous run that was killed left an object open: the unit ends it at start.
  const before = await openNodeJournal(config, { warn: () => undefined });
  const box = { x: 0.1, y: 0.1, w: 0.3, h: 0.6 };
  await before.appendOne('vision.detected', { camera: 'porch', objectId: 'killed-1', phase: 'new', label: 'person', score: 0.8, topScore: 0.8, box, zones: [], startedAtMs: 1000 });
  await before.close();

  let rss = 8 * MIB;
  const memoryReader = async (): Promise<MemoryReading> => ({ sample: { rssBytes: rss, memTotalBytes: 2048 * MIB, memAvailableBytes: 1024 * MIB }, problems: [] });
  const output: Output = { out: () => undefined, err: () => undefined };
  const running = await startNode(config, output, { memoryReader });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : running.stop('test')));
  const journal = running.node.journal;
  const vision = (): UnitRow => running.units().find((u) => u.name === 'vision')!;
  const camera = (name: string) => {
    const m = new RegExp(`${name} (\\w+) \\((\\d+) frames, (\\d+) inferred\\)`).exec(vision().message ?? '');
    return m ? { state: m[1]!, frames: Number(m[2]), inferred: Number(m[3]) } : undefined;
  };

  await waitFor(async () => (await detected(journal)).some((d) => d.objectId === 'killed-1' && d.phase === 'end'), { timeoutMs: 10_000, message: 'the object left open by a killed run to end' });

  // porch: the person is journaled as new, with a snapshot on disk.
  const person = await waitForValue(async () => (await detected(journal)).find((d) => d.camera === 'porch' && d.phase === 'new' && d.objectId !== 'killed-1'), { timeoutMs: 60_000, message: 'vision.detected new on porch' });
  t.equal(person.label, 'person');
  t.match(person.snapshot, /^[0-9a-f]{64}$/, 'the event references its snapshot by hash');
  t.ok(existsSync(join(config.dataDir, 'snapshots', person.snapshot!.slice(0, 2), `${person.snapshot!}.jpg`)), 'the snapshot file exists');
  t.ok(existsSync(join(config.dataDir, 'snapshots', person.snapshot!.slice(0, 2), `${person.snapshot!}-thumb.jpg`)), 'and its thumbnail');

  // ghost: its directory is missing, so it fails (retried with backoff), and the unit says so.
  await waitFor(() => vision().code === 'SMOL_CAMERA_UNAVAILABLE', { timeoutMs: 10_000, message: 'health to report the missing camera' });
  t.equal(vision().state, 'degraded');
  t.match(vision().message, /1 of 3 camera\(s\) failing: ghost \(camera ghost: cannot read directory/);

  // yard: fruit, no person; once its first frame has been through the models, still frames are skipped.
  await waitFor(() => camera('yard')?.inferred === 1, { timeoutMs: 30_000, message: 'yard to have run the models once' });
  await waitFor(() => (camera('porch')?.frames ?? 0) >= 3, { timeoutMs: 10_000, message: 'porch to grab more frames' });
  t.match(camera('porch'), { state: 'ok', inferred: 1 }, 'the still frames after the first are skipped by the motion gate');
  t.match(vision().message, /models loaded/);

  // The look tool through the instruction executor (POST /api/tools/look).
  const url = running.http.url;
  const look = async (camera: string) => fetch(new URL('/api/tools/look', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera }) });
  const res = await look('porch');
  t.equal(res.status, 200);
  const answer = ((await res.json()) as { result: { camera: string; labels: string[]; detections: Array<{ label: string; score: number; box: { w: number } }>; classes: Array<{ label: string }>; snapshot: { sha256: string; url: string } } }).result;
  t.equal(answer.camera, 'porch');
  t.ok(answer.labels.includes('person'), `a person among ${answer.labels.join(', ')}`);
  const p = answer.detections.find((d) => d.label === 'person')!;
  t.ok(p.score >= 0.5 && p.box.w > 0.2, 'with a score and a box');
  t.equal(answer.classes.length, 3, 'and three scene labels');
  t.ok(existsSync(join(config.dataDir, 'snapshots', answer.snapshot.sha256.slice(0, 2), `${answer.snapshot.sha256}.jpg`)), 'its snapshot is stored');
  t.equal(answer.snapshot.url, `/api/vision/snapshots/${answer.snapshot.sha256}`);
  const unknown = await look('attic');
  t.equal(unknown.status, 404);
  t.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'SMOL_NOT_FOUND');

  // Memory pressure: high pauses inference (look refused), critical unloads the models.
  rss = 60 * MIB;
  await waitFor(() => vision().code === 'SMOL_MEMORY_PRESSURE', { timeoutMs: 10_000, message: 'the unit to pause at high pressure' });
  t.match(vision().message, /porch paused/);
  const refused = await look('porch');
  t.equal(((await refused.json()) as { error: { code: string } }).error.code, 'SMOL_MEMORY_PRESSURE');
  rss = 70 * MIB;
  await waitFor(() => /models not loaded/.test(vision().message ?? ''), { timeoutMs: 15_000, message: 'the models to be unloaded at critical pressure' });

  stopped = true;
  await running.stop('test');
  const after = await openNodeJournal(config, { warn: () => undefined, mustExist: true });
  t.teardown(() => after.close());
  const all = await detected(after);
  const ofPerson = all.filter((d) => d.objectId === person.objectId).map((d) => d.phase);
  t.same(ofPerson, ['new', 'end'], 'the person ends when the node stops (no update while it stood still)');
  t.equal(all.filter((d) => d.objectId === 'killed-1' && d.phase === 'end').length, 1, 'the left-open object ended once');
  t.notOk(all.some((d) => d.camera === 'yard'), 'no object on the fruit photo');
  t.equal(await visionEventsOf(after, 'ghost'), 0, 'nothing journaled for the missing camera');
});
