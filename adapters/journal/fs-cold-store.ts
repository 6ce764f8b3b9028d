import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import { TEMP_SUFFIX, type ColdFileStore } from '../../core/journal/cold/cold-store.js';

const missing = (name: string, dir: string, cause: unknown): SmolError =>
  new SmolError(ErrorCodes.COLD_FILE_CORRUPT, `cold file ${name} is missing from ${dir}`, { cause, details: { file: name } });

/** fsync a directory so a rename or unlink in it survives a power cut. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Cold history files in a directory (`<dataDir>/journal/cold/`), created on first write. */
export function fsColdStore(dir: string): ColdFileStore {
  const path = (name: string) => join(dir, name);
  return {
    location: dir,
    async list() {
      return readdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      });
    },
    async write(name, chunks, onStep) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = path(name + TEMP_SUFFIX);
      const file = await open(temp, 'w', 0o600);
      let bytes = 0;
      try {
        for await (const chunk of chunks) {
          await file.write(chunk);
          bytes += chunk.length;
        }
        await file.sync();
      } finally {
        await file.close();
      }
      await onStep?.('temp-synced');
      await rename(temp, path(name));
      await syncDir(dir);
      await onStep?.('renamed');
      return bytes;
    },
    async read(name, offset, length) {
      const file = await open(path(name), 'r').catch((err: unknown) => {
        throw missing(name, dir, err);
      });
      try {
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await file.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
    async *stream(name) {
      try {
        yield* createReadStream(path(name), { highWaterMark: 256 << 10 }) as AsyncIterable<Buffer>;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(name, dir, err);
        throw err;
      }
    },
    async size(name) {
      return stat(path(name)).then(
        (s) => s.size,
        () => undefined,
      );
    },
    async remove(name) {
      await rm(path(name), { force: true });
      await syncDir(dir).catch(() => undefined);
    },
  };
}
