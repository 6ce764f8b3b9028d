import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { CameraSource, CapturedFrame } from '../../../core/vision/vision-port.js';
import { cameraUnavailable, checkFrame, redactUrl } from './frame-bytes.js';

export interface HttpCameraOptions {
  readonly name: string;
  /** A snapshot URL: an IP camera's, go2rtc's /api/frame.jpeg, Frigate's /api/<camera>/latest.jpg. */
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly now?: () => number;
}

/** A camera that answers GET with a JPEG or PNG. */
export class HttpCamera implements CameraSource {
  readonly name: string;
  readonly describe: string;
  private readonly closing = new AbortController();

  constructor(private readonly o: HttpCameraOptions) {
    this.name = o.name;
    this.describe = `http ${redactUrl(o.url)}`;
  }

  /**
   * GETs one frame within timeoutMs, reading at most maxFrameBytes. Throws SMOL_CAMERA_UNAVAILABLE
   * (refused, timed out, a status other than 2xx, closed) and SMOL_FRAME_INVALID (too large, not an image).
   */
  async grab(signal?: AbortSignal): Promise<CapturedFrame> {
    if (this.closing.signal.aborted) throw cameraUnavailable(this.name, 'closed');
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const all = AbortSignal.any([timeout, this.closing.signal, ...(signal ? [signal] : [])]);
    const where = this.describe.slice(5);
    let image: Buffer;
    try {
      const res = await fetch(this.o.url, { signal: all, redirect: 'follow', headers: { accept: 'image/jpeg, image/png' } });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw cameraUnavailable(this.name, `GET ${where} answered ${res.status} ${res.statusText}`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > this.o.maxFrameBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${this.name}: frame of ${declared} bytes is over the ${this.o.maxFrameBytes}-byte cap`, { details: { camera: this.name } });
      }
      image = await readCapped(this.name, res, this.o.maxFrameBytes);
    } catch (err) {
      if (err instanceof SmolError) throw err;
      const why = timeout.aborted ? `GET ${where} gave no frame within ${this.o.timeoutMs} ms` : this.closing.signal.aborted ? 'closed' : signal?.aborted ? 'grab aborted' : `GET ${where} failed: ${describeFetchError(err)}`;
      throw cameraUnavailable(this.name, why, err);
    }
    return { camera: this.name, image: checkFrame(this.name, image, this.o.maxFrameBytes), capturedAtMs: (this.o.now ?? Date.now)() };
  }

  /** Aborts a grab in progress; later grabs fail. */
  async close(): Promise<void> {
    this.closing.abort();
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Reads the body, failing with SMOL_FRAME_INVALID as soon as it passes the cap (a chunked answer has no length). */
async function readCapped(camera: string, res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${camera}: the answer is over the ${maxBytes}-byte cap`, { details: { camera } });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
