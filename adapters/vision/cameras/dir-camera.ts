import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { CameraSource, CapturedFrame } from '../../../core/vision/vision-port.js';
import { cameraUnavailable, checkFrame } from './frame-bytes.js';

export interface DirCameraOptions {
  readonly name: string;
  /** A directory something else writes images into (motion, an FTP upload from a camera, a timelapse). */
  readonly path: string;
  readonly maxFrameBytes: number;
  readonly now?: () => number;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** The newest image file of a directory as the frame. */
export class DirCamera implements CameraSource {
  readonly name: string;
  readonly describe: string;
  private closed = false;

  constructor(private readonly o: DirCameraOptions) {
    this.name = o.name;
    this.describe = `dir ${o.path}`;
  }

  /**
   * The newest .jpg/.jpeg/.png by modification time. Throws SMOL_CAMERA_UNAVAILABLE (no such
   * directory, no image in it, closed) and SMOL_FRAME_INVALID (too large, not an image, a JPEG
   * still being written).
   */
  async grab(): Promise<CapturedFrame> {
    if (this.closed) throw cameraUnavailable(this.name, 'closed');
    let names: string[];
    try {
      names = await readdir(this.o.path);
    } catch (err) {
      throw cameraUnavailable(this.name, `cannot read directory ${this.o.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
    }
    let newest: { path: string; mtimeMs: number; size: number } | undefined;
    for (const n of names) {
      if (n.startsWith('.') || !IMAGE_EXTENSIONS.has(extname(n).toLowerCase())) continue;
      const path = join(this.o.path, n);
      const s = await stat(path).catch(() => undefined); // removed meanwhile
      if (!s?.isFile()) continue;
      if (!newest || s.mtimeMs > newest.mtimeMs || (s.mtimeMs === newest.mtimeMs && path > newest.path)) newest = { path, mtimeMs: s.mtimeMs, size: s.size };
    }
    if (!newest) throw cameraUnavailable(this.name, `no .jpg, .jpeg or .png file in ${this.o.path}`);
    if (newest.size > this.o.maxFrameBytes) {
      throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${this.name}: ${newest.path} is ${newest.size} bytes, over the ${this.o.maxFrameBytes}-byte cap`, { details: { camera: this.name } });
    }
    // A buffer the size of the file (and some slack if it grew since), not of the cap: 8 MiB of
    // external memory per grab makes V8 run full collections of the node's whole heap.
    const image = await readAtMost(newest.path, Math.min(this.o.maxFrameBytes + 1, newest.size + 65_536)).catch((err: unknown) => {
      throw cameraUnavailable(this.name, `cannot read ${newest.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
    });
    return { camera: this.name, image: checkFrame(this.name, image, this.o.maxFrameBytes), capturedAtMs: (this.o.now ?? Date.now)() };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Reads a file, at most `limit` bytes (it may have grown since it was listed). */
async function readAtMost(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(limit);
    let off = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, off, limit - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
      if (off >= limit) break;
    }
    return buf.subarray(0, off);
  } finally {
    await handle.close();
  }
}
