import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isSmolError } from '../core/errors.js';
import { annotate } from '../adapters/vision/snapshots/annotate.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { fillDisk, freeDisk, mountSmallDisk, smallDiskUnavailable } from './helpers/small-disk.js';
import { tempDir } from './helpers/temp-dir.js';
import { noisyJpeg } from './helpers/noisy-jpeg.js';

// The snapshot store against a data directory it did not write: garbage, damaged and misnamed
// files, a directory where a file should be, what a killed write leaves, no directory at all, and
// a disk that fills up. It opens, serves only bytes that hash to their name, keeps its budget,
// and a write that fails leaves nothing half-written.

const frame = (seed: number) => noisyJpeg(seed, 320, 240);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BOX = [{ x: 0.2, y: 0.2, w: 0.3, h: 0.5 }];

/** Every file under dir (relative), recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => statSync(join(dir, n)).isFile()).sort();
}

t.test('a snapshots directory full of garbage opens, serves nothing wrong, heals on the next put and keeps its budget', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const good = await annotate(await frame(1), BOX);
  const goodSha = sha(good.image);
  const aa = goodSha.slice(0, 2);
  mkdirSync(join(dir, aa), { recursive: true });
  // The picture that will be stored again, damaged on disk: truncated (a JPEG cut in half).
  writeFileSync(join(dir, aa, `${goodSha}.jpg`), good.image.subarray(0, good.image.length >> 1));
  writeFileSync(join(dir, aa, `${goodSha}-thumb.jpg`), 'not a jpeg');
  // A whole JPEG under the wrong hash.
  const other = (await annotate(await frame(2), BOX)).image;
  const wrongName = `${aa}${'0'.repeat(62)}`;
  writeFileSync(join(dir, aa, `${wrongName}.jpg`), other);
  // A thumbnail cut short (JPEG magic, no end marker): it has no hash to check, but it is not whole.
  writeFileSync(join(dir, aa, `${wrongName}-thumb.jpg`), good.thumbnail.subarray(0, good.thumbnail.length - 64));
  // A directory where a snapshot file should be.
  const dirName = `${aa}${'1'.repeat(62)}`;
  mkdirSync(join(dir, aa, `${dirName}.jpg`), { recursive: true });
  writeFileSync(join(dir, aa, `${dirName}.jpg`, 'inside'), Buffer.alloc(50_000));
  // What a write killed mid-way leaves (another pid), stray names, a file where a bucket should be.
  writeFileSync(join(dir, aa, `${goodSha}.jpg.999999.3.tmp`), Buffer.alloc(30_000, 1));
  writeFileSync(join(dir, aa, 'notes.txt'), 'x');
  writeFileSync(join(dir, 'zz'), 'a file named like no bucket');
  writeFileSync(join(dir, 'ff'), 'a file where a bucket directory should be');

  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  t.equal(store.count, 2, 'indexed: the damaged picture and the misnamed one, not the directory');
  t.notOk(existsSync(join(dir, aa, `${goodSha}.jpg.999999.3.tmp`)), 'the temp file of a killed write is removed');
  t.equal(await store.get(goodSha), undefined, 'a truncated file is not served');
  t.equal(await store.get(goodSha, 'thumbnail'), undefined, 'nor a thumbnail that is not a JPEG');
  t.equal(await store.get(wrongName), undefined, 'a file that does not hash to its name is not served');
  t.equal(await store.get(wrongName, 'thumbnail'), undefined, 'nor a truncated thumbnail');
  t.equal(await store.get(dirName), undefined, 'a directory is not served');

  const put = await store.put(await frame(1), BOX);
  t.equal(put.sha256, goodSha, 'the same picture again');
  t.same(await store.get(goodSha), good.image, 'the damaged file was written again: the event names a snapshot that is served');
  t.ok((await store.get(goodSha, 'thumbnail'))?.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'with its thumbnail');

  // A small budget: the garbage entries go first, then the oldest pictures; the newest always stays.
  const small = await SnapshotStore.open({ dir, maxBytes: good.image.length + good.thumbnail.length + 1 });
  const last = await small.put(await frame(3), BOX);
  t.ok(small.bytes <= good.image.length + good.thumbnail.length + 1 || small.count === 1, `within budget (${small.bytes} bytes, ${small.count} snapshots)`);
  t.ok(last.evicted.includes(wrongName), 'the misnamed file was evicted');
  t.ok(await small.get(last.sha256), 'the newest is served');
  t.notOk(existsSync(join(dir, aa, `${wrongName}.jpg`)), 'and the evicted file is gone from disk');
  t.ok(existsSync(join(dir, aa, `${dirName}.jpg`, 'inside')), 'a directory it does not own is left alone');
});

t.test('a FIFO or a huge sparse file under a snapshot name is not served, and the read does not hang', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const fifo = `ab${'2'.repeat(62)}`;
  const huge = `ab${'3'.repeat(62)}`;
  mkdirSync(join(dir, 'ab'), { recursive: true });
  execFileSync('mkfifo', [join(dir, 'ab', `${fifo}.jpg`)]);
  execFileSync('mkfifo', [join(dir, 'ab', `${fifo}-thumb.jpg`)]);
  // Sparse: 64 MiB long, nothing written, so it costs no disk.
  writeFileSync(join(dir, 'ab', `${huge}.jpg`), '');
  truncateSync(join(dir, 'ab', `${huge}.jpg`), 64 * 1024 * 1024);
  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  t.equal(store.count, 1, 'the FIFO is not indexed');
  t.equal(await store.get(fifo), undefined, 'a FIFO is not read (a blocking read would never return)');
  t.equal(await store.get(fifo, 'thumbnail'), undefined);
  t.equal(await store.get(huge), undefined, 'a file larger than any snapshot is not read into memory');
});

t.test('a missing snapshots directory opens empty and is made on the first put; a file in its place refuses puts and changes nothing', async (t) => {
  const root = tempDir(t);
  const missing = await SnapshotStore.open({ dir: join(root, 'a', 'snapshots'), maxBytes: 1 << 20 });
  t.equal(missing.count, 0);
  const put = await missing.put(await frame(4), BOX);
  t.ok(await missing.get(put.sha256), 'stored once the directory is made');

  const asFile = join(root, 'snapshots-file');
  writeFileSync(asFile, 'I am not a directory');
  const store = await SnapshotStore.open({ dir: asFile, maxBytes: 1 << 20 });
  t.equal(store.count, 0);
  const err = await store.put(await frame(5), BOX).catch((e: unknown) => e);
  t.ok(err instanceof Error, 'the put fails');
  t.equal(store.count, 0, 'nothing indexed');
  t.equal(store.bytes, 0);
});

// Root (as CI runs) reads any directory, so a bucket that cannot be listed is made another way
// than chmod: a file where the bucket's directory should be (readdir fails as for EACCES).
t.test('a bucket that cannot be listed is skipped at open', async (t) => {
  const dir = join(tempDir(t), 'snapshots');
  const writer = await SnapshotStore.open({ dir, maxBytes: 1 << 20 });
  const { sha256 } = await writer.put(await frame(6), BOX);
  const { rmSync, writeFileSync } = await import('node:fs');
  rmSync(join(dir, sha256.slice(0, 2)), { recursive: true });
  writeFileSync(join(dir, sha256.slice(0, 2)), 'not a directory');
  const store = await SnapshotStore.open({ dir, maxBytes: 1 << 20 });
  t.equal(store.count, 0);
  t.equal(await store.get(sha256), undefined);
});

t.test('a full disk refuses a snapshot with SMOL_DISK_FULL and leaves no part of it', { skip: smallDiskUnavailable() ?? false }, async (t) => {
  const disk = mountSmallDisk(t, 2);
  const dir = join(disk, 'snapshots');
  const store = await SnapshotStore.open({ dir, maxBytes: 10 << 20 });
  const kept = await store.put(await frame(7), BOX);
  const before = filesUnder(dir);

  const filler = fillDisk(disk);
  const err = await store.put(await frame(8), BOX).catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_DISK_FULL', `SMOL_DISK_FULL (${String(err)})`);
  t.same(filesUnder(dir), before, 'no file (nor temp file) of the refused snapshot');
  t.equal(store.count, 1);

  // Room for the thumbnail but not the picture: the thumbnail written first is taken back.
  const next = await annotate(await frame(9), BOX);
  truncateSync(filler, statSync(filler).size - next.thumbnail.length - 8192);
  const half = await store.put(await frame(9), BOX).catch((e: unknown) => e);
  t.ok(isSmolError(half) && half.code === 'SMOL_DISK_FULL', `SMOL_DISK_FULL between the two files (${String(half)})`);
  t.same(filesUnder(dir), before, 'no thumbnail without its picture');
  t.equal(store.count, 1);

  freeDisk(filler);
  const after = await store.put(await frame(9), BOX);
  t.ok(await store.get(after.sha256), 'with room again, the next snapshot is stored');
  t.ok(await store.get(kept.sha256), 'and the one before is still served');
});
