import type { CameraConfig } from '../config/sections/vision.js';
import type { EventDraft } from '../../core/events/event.js';
import { ErrorCodes, isSmolError, SmolError } from '../../core/errors.js';
import { VisionClassified, VisionDetected } from '../../core/events/vision-events.js';
import { nextGrabDelay } from '../../core/vision/camera-retry.js';
import { afterInference, beforeInference, initialWatch, withoutFrame, type CameraWatchState } from '../../core/vision/camera-watch.js';
import { classificationChanged, type ClassificationState } from '../../core/vision/classification-change.js';
import { attachSnapshot, filterDetections, type TrackResult } from '../../core/vision/tracker.js';
import type { CameraStatus, LookResult } from '../../core/vision/vision-service.js';
import type { CameraSource, CapturedFrame, Classification, DecodedFrame, Detection, VisionModels } from '../../core/vision/vision-port.js';
import { CameraPoller } from './cameras/camera-poller.js';
import { grayThumbnail } from './cameras/gray-thumbnail.js';
import { cameraPipelineSettings, type CameraPipelineSettings } from './cameras/pipeline-settings.js';
import { decodeImage } from './models/decode-image.js';
import type { SnapshotStore } from './snapshots/snapshot-store.js';

/** Scene labels per classified frame, and the score a label needs to count (vision.classified). */
export const CLASSIFY_TOP_K = 3;
export const CLASSIFY_MIN_SCORE = 0.3;
/** A look displaced from the models' queue by a camera's frame tries again this many times. */
const LOOK_TRIES = 3;

export interface CameraPipelineDeps {
  readonly config: CameraConfig;
  readonly camera: CameraSource;
  /** Shared by every camera of the node: one inference at a time (WorkerVisionModels' queue). */
  readonly models: VisionModels;
  readonly snapshots: SnapshotStore;
  readonly journal: (drafts: readonly EventDraft[]) => Promise<unknown>;
  /** True while memory pressure is high or critical: no inference, frames are not even decoded. */
  readonly paused: () => boolean;
  /** The models answered (memory accounting). */
  readonly onInference?: () => void;
  readonly warn: (key: string, fields: Record<string, unknown>, message: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Grabs come one at a time per camera, so that a `look` never opens a webcam that the poller's
 * ffmpeg holds (V4L2 allows one reader) and the poller never overlaps a look.
 */
function serialCamera(camera: CameraSource): CameraSource {
  let last: Promise<unknown> = Promise.resolve();
  return {
    name: camera.name,
    describe: camera.describe,
    grab(signal) {
      const run = last.then(() => camera.grab(signal));
      last = run.catch(() => undefined);
      return run;
    },
    close: () => camera.close(),
  };
}

/**
 * One camera of the vision unit: grab → grey thumbnail → motion gate → decode → detect (and
 * classify) → tracker → snapshots of best frames → `vision.detected` / `vision.classified`.
 * The decisions are core/vision's pure functions; this class does the I/O and counts.
 */
export class CameraPipeline {
  private watch: CameraWatchState;
  private classes: ClassificationState = {};
  private readonly settings: CameraPipelineSettings;
  private readonly camera: CameraSource;
  private readonly poller: CameraPoller;
  private frames = 0;
  private inferences = 0;
  private skippedStill = 0;
  private busy = 0;
  private latestSnapshot: string | undefined;
  private nextRetryAtMs: number | undefined;
  private stopped = false;

  constructor(private readonly d: CameraPipelineDeps) {
    this.watch = initialWatch(d.config.name);
    this.settings = cameraPipelineSettings(d.config);
    this.camera = serialCamera(d.camera);
    const now = d.now ?? Date.now;
    const random = d.random ?? Math.random;
    this.poller = new CameraPoller({
      camera: this.camera,
      intervalMs: d.config.intervalMs,
      onFrame: (frame) => this.onFrame(frame),
      onCameraError: (err, health) => d.warn(`${d.config.name}:camera`, { camera: d.config.name, err, failures: health.failures }, `camera ${d.config.name}: ${(err as Error)?.message ?? String(err)}; retried with backoff`),
      onFrameError: (err) => d.warn(`${d.config.name}:frame`, { camera: d.config.name, err }, `camera ${d.config.name}: a frame was not handled: ${(err as Error)?.message ?? String(err)}`),
      now,
      // The poller draws its jitter right after counting a failure: the moment to know the next try.
      random: () => {
        const r = random();
        this.nextRetryAtMs = now() + nextGrabDelay(d.config.intervalMs, this.poller.health, r);
        return r;
      },
    });
  }

  get name(): string {
    return this.d.config.name;
  }

  start(): void {
    this.poller.start();
  }

  /** The camera now, for the service's cameras() and the unit's health. */
  status(): CameraStatus {
    const h = this.poller.health;
    const state: CameraStatus['state'] = this.d.paused() ? 'paused' : h.failures > 0 ? 'failing' : h.lastFrameAtMs === undefined ? 'starting' : 'ok';
    const occupancy: Record<string, number> = {};
    for (const o of this.watch.tracker.objects) occupancy[o.label] = (occupancy[o.label] ?? 0) + 1;
    return {
      name: this.d.config.name,
      describe: this.d.camera.describe,
      state,
      ...(h.lastFrameAtMs === undefined ? {} : { lastFrameAtMs: h.lastFrameAtMs }),
      ...(h.failures > 0 && h.lastError ? { lastError: h.lastError } : {}),
      ...(h.failures > 0 && this.nextRetryAtMs !== undefined ? { nextRetryAtMs: this.nextRetryAtMs } : {}),
      frames: this.frames,
      inferences: this.inferences,
      skippedStill: this.skippedStill,
      occupancy,
      ...(this.latestSnapshot === undefined ? {} : { latestSnapshot: this.latestSnapshot }),
    };
  }

  /** Frames the models' queue dropped for a newer one (SMOL_VISION_BUSY), for health. */
  get displaced(): number {
    return this.busy;
  }

  private async onFrame(frame: CapturedFrame): Promise<void> {
    this.frames++;
    const at = frame.capturedAtMs;
    if (this.d.paused()) {
      // Not looking is not seeing: objects end once unseen for endAfterMs, as for a failing camera.
      const expired = withoutFrame(this.watch, this.settings.tracker, at);
      await this.journal(expired);
      this.watch = expired.watch; // only once journaled: a refused end is tried again on the next frame
      return;
    }
    const thumb = await grayThumbnail(this.name, frame.image);
    const before = this.watch;
    const decision = beforeInference(before, thumb, at, this.settings.motion, this.settings.motionIgnored);
    this.watch = decision.state;
    if (!decision.run) {
      this.skippedStill++;
      return;
    }
    const decoded = await decodeImage(frame.image, this.name, at);
    // Scene labels only on frames the gate let through, not on every frame of an object leaving.
    const wantClasses = decision.reason !== 'tracking';
    let detections: Detection[];
    let classes: Classification[] | undefined;
    try {
      ({ detections, classes } = await this.infer(decoded, wantClasses));
    } catch (err) {
      // Displaced by another camera's newer frame: as if this frame never came (the gate's reference stays).
      if (isSmolError(err) && err.code === ErrorCodes.VISION_BUSY) {
        this.busy++;
        this.watch = before;
        return;
      }
      throw err;
    }
    this.inferences++;
    this.d.onInference?.();
    const result = afterInference(this.watch, this.settings.tracker, detections, at);
    this.watch = result.watch;
    const classesBefore = this.classes;
    const drafts: EventDraft[] = [];
    if (classes) {
      const c = classificationChanged(this.classes, classes, CLASSIFY_TOP_K, CLASSIFY_MIN_SCORE);
      this.classes = c.state;
      if (c.report) drafts.push({ type: 'vision.classified', v: 1, data: { camera: this.name, top: c.report.map((x) => ({ label: x.label, score: x.score })) } });
    }
    try {
      await this.journal(await this.withSnapshots(frame.image, result), drafts);
    } catch (err) {
      // Refused (a full disk, a journal under repair): as if this frame never came, so the next frame
      // reports these objects again; kept, a refused `new` would leave a tracked object never journaled.
      this.watch = before;
      this.classes = classesBefore;
      throw err;
    }
  }

  /** Detections, and scene labels when asked: one forward pass where the models offer it. */
  private async infer(frame: DecodedFrame, wantClasses: boolean): Promise<{ detections: Detection[]; classes?: Classification[] }> {
    const m = this.d.models;
    if (!wantClasses) return { detections: await m.detect(frame) };
    if (m.analyze) return m.analyze(frame, CLASSIFY_TOP_K);
    const detections = await m.detect(frame);
    const classes = await m.classify(frame, CLASSIFY_TOP_K).catch((err: unknown) => {
      if (isSmolError(err) && err.code === ErrorCodes.VISION_BUSY) return undefined;
      throw err;
    });
    return { detections, ...(classes ? { classes } : {}) };
  }

  /** Stores the best frames (box drawn), attaches them to their objects and to this frame's events. */
  private async withSnapshots(image: Buffer, result: TrackResult): Promise<TrackResult> {
    if (result.bestFrame.length === 0) return result;
    const stored = new Map<string, string>();
    for (const b of result.bestFrame) {
      try {
        const s = await this.d.snapshots.put(image, [b.box]);
        stored.set(b.objectId, s.sha256);
        this.latestSnapshot = s.sha256;
        this.watch = { ...this.watch, tracker: attachSnapshot(this.watch.tracker, b.objectId, s.sha256) };
      } catch (err) {
        // The event matters more than its picture (a full disk, a frame that would not re-encode).
        this.d.warn(`${this.name}:snapshot`, { camera: this.name, err }, `camera ${this.name}: snapshot not stored: ${(err as Error)?.message ?? String(err)}`);
      }
    }
    return { ...result, events: result.events.map((e) => (stored.has(e.objectId) ? { ...e, snapshot: stored.get(e.objectId)! } : e)) };
  }

  /** Journals a result's events; the caller moves the watch on (withSnapshots attached snapshots to this.watch meanwhile). */
  private async journal(result: TrackResult, extra: readonly EventDraft[] = []): Promise<void> {
    const drafts = [...result.events.map((data): EventDraft => ({ type: 'vision.detected', v: 1, data })), ...extra];
    if (drafts.length === 0) return;
    // The journal stores local events as they come; every peer checks them against the schema at
    // sync and refuses the whole segment for one that does not fit, so that this node's feed would
    // stop syncing for good. A model's NaN box, or a config the schema does not allow, stops here.
    for (const d of drafts) {
      const check = (d.type === 'vision.detected' ? VisionDetected : VisionClassified).safeParse(d.data);
      if (!check.success) {
        const issue = check.error.issues[0];
        throw new SmolError(ErrorCodes.EVENT_INVALID, `camera ${this.name}: ${d.type} not journaled: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, { details: { camera: this.name } });
      }
    }
    await this.d.journal(drafts);
  }

  /**
   * A frame now: detect and classify, the detections after the camera's filters, a snapshot with
   * their boxes. Journals nothing and leaves the tracker alone. Throws SMOL_MEMORY_PRESSURE
   * (paused), SMOL_CAMERA_UNAVAILABLE, SMOL_FRAME_INVALID, SMOL_VISION_BUSY, SMOL_VISION_MODEL_FAILED.
   */
  async look(signal?: AbortSignal): Promise<LookResult> {
    const paused = () => new SmolError(ErrorCodes.MEMORY_PRESSURE, `camera ${this.name}: vision is paused while memory pressure is high; try again later`, { details: { camera: this.name } });
    if (this.d.paused()) throw paused();
    if (this.stopped) throw new SmolError(ErrorCodes.CAMERA_UNAVAILABLE, `camera ${this.name}: the vision unit is stopping`);
    const frame = await this.camera.grab(signal);
    this.frames++;
    if (this.d.paused()) throw paused();
    const decoded = await decodeImage(frame.image, this.name, frame.capturedAtMs);
    const m = this.d.models;
    const { detections, classes } = await this.retryBusy(async () => (m.analyze ? m.analyze(decoded, CLASSIFY_TOP_K) : { detections: await m.detect(decoded), classes: await m.classify(decoded, CLASSIFY_TOP_K) }));
    this.inferences++;
    this.d.onInference?.();
    const kept = filterDetections(detections, this.settings.tracker);
    let snapshot: string | undefined;
    try {
      snapshot = (await this.d.snapshots.put(frame.image, kept.map((k) => k.box))).sha256;
      this.latestSnapshot = snapshot;
    } catch (err) {
      this.d.warn(`${this.name}:snapshot`, { camera: this.name, err }, `camera ${this.name}: look snapshot not stored: ${(err as Error)?.message ?? String(err)}`);
    }
    return { camera: this.name, capturedAtMs: frame.capturedAtMs, detections: kept, classes, ...(snapshot === undefined ? {} : { snapshot }) };
  }

  private async retryBusy<T>(run: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await run();
      } catch (err) {
        if (i >= LOOK_TRIES || !isSmolError(err) || err.code !== ErrorCodes.VISION_BUSY) throw err;
      }
    }
  }

  /**
   * Stops grabbing (a grab in progress is aborted, a frame being handled finishes), then ends every
   * tracked object: the node will not see them any more, so their `end` is journaled now.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.poller.stop();
    const ended = withoutFrame(this.watch, { ...this.settings.tracker, endAfterMs: 0 }, (this.d.now ?? Date.now)());
    await this.journal(ended);
    this.watch = ended.watch;
  }
}
