import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import type { VisionService } from '../core/vision/vision-service.js';
import { VisionStream, type VisionStreamOptions } from '../adapters/mqtt/vision-stream.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// Vision on MQTT against a data directory it did not write: mqtt-vision-entities.json that is
// garbage, of the wrong shape, or a directory, and a snapshot file damaged on disk. The stream
// opens, says the code in its log, keeps publishing, and never sends bytes that are not the
// snapshot an event names. No broker here: `send` is recorded (the broker is tested elsewhere).

interface Sent {
  topic: string;
  payload: string | Buffer;
}

function options(dir: string, logs: string[], service: () => VisionService | undefined = () => undefined): VisionStreamOptions {
  return {
    node: { name: 'porch-pi', nodeId: 'n1', role: 'alpaca', software: 'test' },
    prefix: 'smollama',
    discoveryPrefix: 'homeassistant',
    discovery: true,
    cameras: [{ name: 'door', labels: ['person'] }],
    qos: 1,
    retainedQos: 1,
    discoveryQos: 1,
    service,
    entitiesPath: join(dir, 'mqtt-vision-entities.json'),
    snapshotPollMs: 0,
    log: (m) => void logs.push(m),
  };
}

t.test('a damaged mqtt-vision-entities.json is logged with its code; the stream runs and writes a good list', async (t) => {
  for (const [what, make, code] of [
    ['garbage', (p: string) => writeFileSync(p, '\u0000\u0001not json'), 'SMOL_FILE_CORRUPT'],
    ['the wrong shape', (p: string) => writeFileSync(p, JSON.stringify({ topics: 'all of them' })), 'SMOL_FILE_CORRUPT'],
    ['null', (p: string) => writeFileSync(p, 'null'), 'SMOL_FILE_CORRUPT'],
    ['a directory', (p: string) => mkdirSync(p), 'SMOL_FILE_CORRUPT'],
  ] as const) {
    await t.test(what, async (t) => {
      const dir = tempDir(t);
      const logs: string[] = [];
      const o = options(dir, logs);
      make(o.entitiesPath);
      const stream = await VisionStream.open(o);
      t.teardown(() => stream.close());
      t.ok(logs.some((l) => l.includes(code)), `the log says ${code}: ${logs.join(' | ')}`);
      t.notOk(logs.some((l) => /\n\s+at /.test(l)), 'no stack trace');
      const sent: Sent[] = [];
      stream.attach(async (topic, payload) => void sent.push({ topic, payload }));
      stream.connected();
      await waitFor(() => sent.some((s) => s.topic === 'smollama/porch-pi/vision/door/person'), { timeoutMs: 5000, message: 'the count is published' });
      t.equal(String(sent.find((s) => s.topic === 'smollama/porch-pi/vision/door/person')?.payload), '0');
      if (what === 'a directory') {
        await waitFor(() => logs.some((l) => /not cleared yet/.test(l)), { timeoutMs: 5000, message: 'the failed write is said' });
      } else {
        await waitFor(() => {
          try {
            return Array.isArray(JSON.parse(readFileSync(o.entitiesPath, 'utf8')).topics);
          } catch {
            return false;
          }
        }, { timeoutMs: 5000, message: 'a good list written' });
        const reopened: string[] = [];
        const again = await VisionStream.open(options(dir, reopened));
        await again.close();
        t.same(reopened, [], 'the next run reads it without a complaint');
      }
    });
  }
});

t.test('a snapshot damaged on disk is not published; the next good one is', async (t) => {
  const dir = tempDir(t);
  const store = await SnapshotStore.open({ dir: join(dir, 'snapshots'), maxBytes: 1 << 20 });
  const jpeg = (g: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: g, g, b: g } } }).jpeg().toBuffer();
  const bad = await store.put(await jpeg(10), []);
  const good = await store.put(await jpeg(200), []);
  writeFileSync(join(dir, 'snapshots', bad.sha256.slice(0, 2), `${bad.sha256}.jpg`), (await jpeg(99)).subarray(0, 100));
  const service = { snapshot: (sha: string, v: 'image' | 'thumbnail') => store.get(sha, v), cameras: () => [] } as unknown as VisionService;
  const logs: string[] = [];
  const stream = await VisionStream.open(options(dir, logs, () => service));
  t.teardown(() => stream.close());
  const sent: Sent[] = [];
  stream.attach(async (topic, payload) => void sent.push({ topic, payload }));
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const base = { camera: 'door', label: 'person', score: 0.9, topScore: 0.9, box: { x: 0.1, y: 0.1, w: 0.3, h: 0.6 }, zones: [], startedAtMs: 1 };
  const first = await journal.appendOne('vision.detected', { ...base, objectId: 'a', phase: 'new', snapshot: bad.sha256 });
  t.ok(stream.messagesOf(first, true).length > 0, 'the event itself is published');
  const second = await journal.appendOne('vision.detected', { ...base, objectId: 'a', phase: 'update', snapshot: good.sha256 });
  stream.messagesOf(second, true);
  await waitFor(() => sent.some((s) => s.topic.endsWith('/vision/door/snapshot')), { timeoutMs: 5000, message: 'a snapshot is published' });
  const snaps = sent.filter((s) => s.topic.endsWith('/vision/door/snapshot'));
  t.equal(snaps.length, 1, 'one snapshot sent');
  t.same(snaps[0]?.payload, await store.get(good.sha256), 'the good one, byte for byte; never the damaged file');
});
