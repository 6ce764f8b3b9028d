import { extname } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { Classification, DecodedFrame, Detection, VisionModels } from '../../../core/vision/vision-port.js';
import type { Analysis, DetectOptions, WorkerRequest, WorkerResponse, WorkerResult, WorkerStats } from './worker-protocol.js';

/**
 * VisionModels in a worker thread (adapters/vision/models/vision-worker.ts): MobileNetV3-CenterNet
 * (COCO) on tfjs's wasm backend. The worker starts on the first call and stops after `idleUnloadMs`
 * without calls, or on `unload()` (memory pressure). One inference runs at a time; one more may
 * wait, and a newer frame displaces the waiting one (its call rejects with SMOL_VISION_BUSY), so a
 * camera never piles up stale frames. The worker is ended by a `stop` message after the running
 * call; `terminate()` only if it has not exited within `stopTimeoutMs`.
 */

export interface WorkerVisionModelsOptions {
  /** Stop the worker after this long without a call; 0 keeps it loaded. */
  readonly idleUnloadMs: number;
  readonly minScore: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
  /** How long a call may take, the first model load included, before the worker is ended. */
  readonly callTimeoutMs: number;
  readonly stopTimeoutMs: number;
  /** V8 old-space limit of the worker (the wasm heap with the weights is outside it). */
  readonly workerHeapMb: number;
}

export const DEFAULT_VISION_MODELS_OPTIONS: WorkerVisionModelsOptions = {
  idleUnloadMs: 120_000,
  minScore: 0.4,
  iouThreshold: 0.5,
  maxDetections: 20,
  callTimeoutMs: 60_000,
  stopTimeoutMs: 5_000,
  workerHeapMb: 96,
};

/** What the models cost now, for the memory budget. */
export interface VisionModelsMemory {
  readonly loaded: boolean;
  /** Process RSS now minus RSS just before the worker started (0 when not loaded). */
  readonly rssAddedBytes: number;
  readonly workerHeapBytes: number;
  readonly wasmBytes: number;
}

type Request =
  | { readonly op: 'detect'; readonly frame: DecodedFrame; readonly options: DetectOptions }
  | { readonly op: 'classify'; readonly frame: DecodedFrame; readonly topK: number }
  | { readonly op: 'analyze'; readonly frame: DecodedFrame; readonly options: DetectOptions; readonly topK: number };

interface Job {
  readonly request: Request;
  readonly resolve: (result: WorkerResult) => void;
  readonly reject: (err: unknown) => void;
}

interface Pending {
  readonly worker: Worker;
  readonly resolve: (result: WorkerResult) => void;
  readonly reject: (err: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

const failed = (message: string, cause?: unknown): SmolError => new SmolError(ErrorCodes.VISION_MODEL_FAILED, message, cause === undefined ? undefined : { cause });

/** The worker script next to this file, .ts under tsx and .js when built. */
const WORKER_URL = new URL(`./vision-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

/**
 * Node 20 does not carry tsx's module hooks into a worker, so under tsx (tests, `npm run smollama`)
 * the worker registers them itself before importing the .ts script; built .js runs as it is.
 */
function spawnWorker(options: WorkerOptions): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

export class WorkerVisionModels implements VisionModels {
  readonly #options: WorkerVisionModelsOptions;
  #worker: Worker | undefined;
  #rssBefore = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #running: Promise<void> | undefined;
  #waiting: Job | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Set while a worker is being stopped: a new call waits for it, so two never coexist. */
  #stopping: Promise<void> | undefined;

  constructor(options: Partial<WorkerVisionModelsOptions> = {}) {
    this.#options = { ...DEFAULT_VISION_MODELS_OPTIONS, ...options };
  }

  get loaded(): boolean {
    return this.#worker !== undefined;
  }

  /** Detections above minScore, best first. Throws SMOL_FRAME_INVALID, SMOL_VISION_BUSY, SMOL_VISION_MODEL_FAILED. */
  async detect(frame: DecodedFrame): Promise<Detection[]> {
    checkFrame(frame);
    const { minScore, iouThreshold, maxDetections } = this.#options;
    return (await this.#enqueue({ op: 'detect', frame, options: { minScore, iouThreshold, maxDetections } })) as Detection[];
  }

  /** The top-k scene labels (COCO classes by heatmap peak). Throws like `detect`. */
  async classify(frame: DecodedFrame, topK: number): Promise<Classification[]> {
    checkFrame(frame);
    return (await this.#enqueue({ op: 'classify', frame, topK })) as Classification[];
  }

  /** Detections and the top-k scene labels from one forward pass (half the CPU of detect + classify). Throws like `detect`. */
  async analyze(frame: DecodedFrame, topK: number): Promise<Analysis> {
    checkFrame(frame);
    const { minScore, iouThreshold, maxDetections } = this.#options;
    return (await this.#enqueue({ op: 'analyze', frame, options: { minScore, iouThreshold, maxDetections }, topK })) as Analysis;
  }

  /** Ends the worker after the running call (a waiting call rejects with SMOL_VISION_BUSY). */
  unload(): Promise<void> {
    this.#clearIdle();
    this.#waiting?.reject(new SmolError(ErrorCodes.VISION_BUSY, 'the vision models were unloaded before this frame ran'));
    this.#waiting = undefined;
    if (this.#stopping !== undefined) return this.#stopping;
    const running = this.#running;
    // Set at once, so a call that comes while the running one finishes waits for a fresh worker.
    const stopping = (async () => {
      await running?.catch(() => undefined);
      const worker = this.#worker;
      this.#worker = undefined;
      if (worker !== undefined) await this.#endWorker(worker);
    })().finally(() => {
      if (this.#stopping === stopping) this.#stopping = undefined;
    });
    this.#stopping = stopping;
    return stopping;
  }

  /** The memory the models take now (asks the worker for its heap and wasm sizes). */
  async memory(): Promise<VisionModelsMemory> {
    if (this.#worker === undefined) return { loaded: false, rssAddedBytes: 0, workerHeapBytes: 0, wasmBytes: 0 };
    const stats = (await this.#call({ id: 0, op: 'stats' })) as WorkerStats;
    return {
      loaded: true,
      rssAddedBytes: Math.max(0, process.memoryUsage.rss() - this.#rssBefore),
      workerHeapBytes: stats.heapUsedBytes,
      wasmBytes: stats.wasmBytes,
    };
  }

  #enqueue(request: Request): Promise<WorkerResult> {
    this.#clearIdle();
    return new Promise<WorkerResult>((resolve, reject) => {
      const job: Job = { request, resolve, reject };
      if (this.#running === undefined) {
        this.#start(job);
        return;
      }
      this.#waiting?.reject(new SmolError(ErrorCodes.VISION_BUSY, `a newer frame from ${request.frame.camera} took this frame's place`));
      this.#waiting = job;
    });
  }

  #start(job: Job): void {
    const { request } = job;
    const frame = { width: request.frame.width, height: request.frame.height, rgb: request.frame.rgb };
    const message: WorkerRequest =
      request.op === 'detect'
        ? { id: 0, op: 'detect', frame, options: request.options }
        : request.op === 'classify'
          ? { id: 0, op: 'classify', frame, topK: request.topK }
          : { id: 0, op: 'analyze', frame, options: request.options, topK: request.topK };
    this.#running = this.#call(message)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.#running = undefined;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next !== undefined) this.#start(next);
        else this.#armIdle();
      });
  }

  async #call(message: WorkerRequest): Promise<WorkerResult> {
    await this.#stopping;
    return this.#post(this.#ensureWorker(), message);
  }

  #post(worker: Worker, message: WorkerRequest): Promise<WorkerResult> {
    const id = this.#nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(failed(`the vision worker did not answer ${message.op} within ${this.#options.callTimeoutMs} ms`));
        void this.unload(); // a worker that does not answer is stopped (terminated if need be)
      }, this.#options.callTimeoutMs);
      this.#pending.set(id, { worker, resolve, reject, timer });
      worker.postMessage({ ...message, id });
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    this.#rssBefore = process.memoryUsage.rss();
    const worker = spawnWorker({ resourceLimits: { maxOldGenerationSizeMb: this.#options.workerHeapMb } });
    worker.on('message', (res: WorkerResponse) => {
      const pending = this.#pending.get(res.id);
      if (pending === undefined) return;
      this.#pending.delete(res.id);
      clearTimeout(pending.timer);
      if (res.ok) pending.resolve(res.result);
      else pending.reject(failed(`vision model: ${res.message}`));
    });
    worker.on('error', (err) => this.#lost(worker, failed('the vision worker failed', err)));
    worker.on('exit', (code) => this.#lost(worker, failed(`the vision worker exited (code ${code})`)));
    // An idle model must not keep the node (or a test) alive; a call in flight does, through its ref'd timeout timer.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /** The worker is gone (exit, crash): every call still waiting for it fails. */
  #lost(worker: Worker, err: SmolError): void {
    if (this.#worker === worker) this.#worker = undefined;
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      clearTimeout(pending.timer);
      pending.reject(err);
      this.#pending.delete(id);
    }
  }

  async #endWorker(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.#post(worker, { id: 0, op: 'stop' }).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#options.stopTimeoutMs);
    });
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) await worker.terminate(); // last resort: it did not stop on its own
    this.#lost(worker, failed('the vision models were unloaded'));
  }

  #armIdle(): void {
    if (this.#options.idleUnloadMs <= 0 || this.#worker === undefined) return;
    this.#idleTimer = setTimeout(() => void this.unload(), this.#options.idleUnloadMs);
    this.#idleTimer.unref();
  }

  #clearIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}

function checkFrame(frame: DecodedFrame): void {
  const ok = Number.isInteger(frame.width) && Number.isInteger(frame.height) && frame.width > 0 && frame.height > 0 && frame.rgb.length === frame.width * frame.height * 3;
  if (!ok) throw new SmolError(ErrorCodes.FRAME_INVALID, `frame from ${frame.camera} is ${frame.width}×${frame.height} with ${frame.rgb.length} RGB bytes (expected width × height × 3)`);
}
