import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { isSmolError } from '../core/errors.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { tempDir } from './helpers/temp-dir.js';
import { noisyJpeg } from './helpers/noisy-jpeg.js';

// The snapshot store: content-addressed JPEGs with the box drawn and a thumbnail, a byte budget
// (oldest removed first), and reads that refuse anything but a hash and verify what they return.

const frame = noisyJpeg;

async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
}

t.test('a snapshot is stored under its sha256 with the box drawn and a thumbnail', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  const box = { x: 0.25, y: 0.25, w: 0.5, h: 0.5 };
  const { sha256, bytes } = await store.put(await frame(1), [box]);
  t.match(sha256, /^[0-9a-f]{64}$/);
  const image = await store.get(sha256);
  t.ok(image, 'it reads back');
  t.equal(createHash('sha256').update(image ?? '').digest('hex'), sha256, 'the name is the hash of the content');
  t.ok(existsSync(join(dir, sha256.slice(0, 2), `${sha256}.jpg`)));
  t.ok(existsSync(join(dir, sha256.slice(0, 2), `${sha256}-thumb.jpg`)));
  const [r, g, b] = await pixel(image ?? Buffer.alloc(0), 104, 160); // on the left edge of the box
  t.ok(r > 150 && r - g > 60 && r - b > 60, `the box edge is red (${r},${g},${b})`);
  const [r2, g2] = await pixel(image ?? Buffer.alloc(0), 208, 160); // inside
  t.ok(Math.abs(r2 - g2) < 40, 'inside the box the frame is untouched');
  const thumb = await store.get(sha256, 'thumbnail');
  t.equal((await sharp(thumb ?? Buffer.alloc(0)).metadata()).width, 160);
  t.equal(store.bytes, bytes);
  t.equal((await store.put(await frame(1), [box])).sha256, sha256, 'the same picture again is the same snapshot');
  t.equal(store.count, 1);
});

t.test('over the budget the oldest snapshots are removed first, never the newest', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  let now = 1000;
  const first = await SnapshotStore.open({ dir, maxBytes: 1 << 30, now: () => now });
  const one = (await first.put(await frame(1), [])).bytes;
  const budget = Math.round(one * 2.5);
  const store = await SnapshotStore.open({ dir, maxBytes: budget, now: () => (now += 1000) });
  t.equal(store.count, 1, 'what is on disk is indexed on open');
  const b = await store.put(await frame(2), []);
  t.same(b.evicted, []);
  const c = await store.put(await frame(3), []);
  t.equal(c.evicted.length, 1, 'the third goes over the budget');
  t.equal(await store.get(c.evicted[0] ?? ''), undefined, 'the evicted one is gone');
  t.ok(await store.get(b.sha256), 'the newer ones stay');
  t.ok(await store.get(c.sha256));
  t.ok(store.bytes <= budget, `within the budget (${store.bytes} <= ${budget})`);
  const reopened = await SnapshotStore.open({ dir, maxBytes: budget });
  t.equal(reopened.count, 2);
  t.equal(reopened.bytes, store.bytes);
});

t.test('a missing snapshot and a damaged file read as undefined', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  t.equal(await store.get('0'.repeat(64)), undefined, 'missing');
  const { sha256 } = await store.put(await frame(4), []);
  writeFileSync(join(dir, sha256.slice(0, 2), `${sha256}.jpg`), 'garbage');
  writeFileSync(join(dir, sha256.slice(0, 2), `${sha256}-thumb.jpg`), 'garbage');
  t.equal(await store.get(sha256), undefined, 'a file that does not hash to its name is not served');
  t.equal(await store.get(sha256, 'thumbnail'), undefined, 'nor a thumbnail that is not a JPEG');
});

t.test('a name that is not a sha256 is SMOL_BAD_REQUEST: no path traversal', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'secret.jpg'), 'secret');
  const store = await SnapshotStore.open({ dir: join(root, 'snapshots'), maxBytes: 10 << 20 });
  for (const name of ['../secret', '../../etc/passwd', `${'a'.repeat(62)}/.`, 'A'.repeat(64), `${'a'.repeat(64)}/../x`, '', 'a'.repeat(65)]) {
    const err = await store.get(name).catch((e: unknown) => e);
    t.ok(isSmolError(err) && err.code === 'SMOL_BAD_REQUEST', `${JSON.stringify(name)} is refused`);
  }
});

t.test('a frame that does not decode is SMOL_FRAME_INVALID and stores nothing', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  const err = await store.put(Buffer.from('not a jpeg'), []).catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_FRAME_INVALID');
  t.equal(store.count, 0);
  t.notOk(existsSync(dir) && readdirSync(dir).length > 0, 'no file was written');
});
