import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SEGMENT_EXTENSION } from '../../core/sync/segment-format.js';
import type { SegmentHeader } from '../../core/sync/segment-format.js';
import type { SegmentSource } from '../../core/sync/segment-import.js';

/** A file as a segment source (read afresh on every pass). */
export function fileSource(path: string): SegmentSource {
  return () => createReadStream(path, { highWaterMark: 1 << 20 });
}

/** A name that sorts by creation and says who wrote it: `<created hlc>-<exporter>-<digest>.smolseg`. */
export function segmentFileName(header: SegmentHeader, digest: Buffer): string {
  return `${header.created}-${header.exporter}-${digest.toString('hex').slice(0, 16)}${SEGMENT_EXTENSION}`;
}

let partials = 0;

/**
 * Writes a segment stream to a file durably: a hidden temp file first, fsynced, then renamed, so a
 * stick pulled out mid-write never holds a half segment under a segment's name. Returns bytes written.
 */
export async function writeSegmentFile(path: string, stream: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
  // Unique per write: two writes of one name (the same segment held twice at once) must not share a temp file.
  const tmp = join(path, '..', `.${basename(path)}.${process.pid}.${++partials}.partial`);
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      await fh.write(chunk);
      bytes += chunk.length;
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  return bytes;
}

/** True when `path` is an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** The segment files in a directory (not recursive), oldest name first. */
export async function listSegmentFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.endsWith(SEGMENT_EXTENSION) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

/** Keeps a copy of a held segment in the pending area (idempotent: named by its digest). */
export async function keepPending(pendingDir: string, name: string, from: { path: string } | { bytes: Buffer }): Promise<string> {
  await mkdir(pendingDir, { recursive: true });
  const target = join(pendingDir, name);
  if (await stat(target).then(() => true, () => false)) return target;
  if ('path' in from) {
    const tmp = join(pendingDir, `.${name}.${process.pid}.${++partials}.partial`);
    await copyFile(from.path, tmp);
    await rename(tmp, target);
  } else {
    await writeSegmentFile(target, [from.bytes]);
  }
  return target;
}
