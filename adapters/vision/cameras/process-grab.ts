import { spawn, type ChildProcess } from 'node:child_process';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { cameraUnavailable, checkFrame } from './frame-bytes.js';

export interface ProcessGrabOptions {
  readonly camera: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly signal?: AbortSignal | undefined;
  /** Children still running, so that close() can kill them. */
  readonly running: Set<ChildProcess>;
}

const STDERR_TAIL = 400;

/**
 * Runs a program that writes one encoded frame to stdout (rpicam-still, ffmpeg) and returns the
 * frame. The program is SIGKILLed on timeout, on abort, and when it writes more than maxBytes
 * (ffmpeg on a stalled RTSP stream would otherwise hang forever). Throws SMOL_CAMERA_UNAVAILABLE
 * (not installed, failed, timed out, aborted) and SMOL_FRAME_INVALID (too large, not an image).
 */
export function grabFromProcess(o: ProcessGrabOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(cameraUnavailable(o.camera, 'grab aborted'));
    const child = spawn(o.command, o.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    o.running.add(child);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: SmolError | undefined;
    const stop = (err: SmolError): void => {
      failure ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(cameraUnavailable(o.camera, `${o.command} gave no frame within ${o.timeoutMs} ms`)), o.timeoutMs);
    const onAbort = (): void => stop(cameraUnavailable(o.camera, 'grab aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > o.maxBytes) return stop(new SmolError(ErrorCodes.FRAME_INVALID, `camera ${o.camera}: ${o.command} wrote more than the ${o.maxBytes}-byte cap`, { details: { camera: o.camera } }));
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const done = (): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      o.running.delete(child);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      const what = err.code === 'ENOENT' ? `${o.command} is not installed (or not on PATH)` : `${o.command} could not be started: ${err.message}`;
      reject(failure ?? cameraUnavailable(o.camera, what, err));
    });
    child.on('close', (code, signal) => {
      done();
      if (failure) return reject(failure);
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        return reject(cameraUnavailable(o.camera, `${o.command} exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`));
      }
      try {
        resolve(checkFrame(o.camera, Buffer.concat(chunks), o.maxBytes));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Kills the programs a camera still runs (close). */
export function killAll(running: Set<ChildProcess>): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
