import type { Classification, Detection } from './vision-port.js';

/**
 * What the running vision unit offers the rest of the node (HTTP API, agent tools, MQTT/HA): the
 * cameras' live state, a frame on demand, and the snapshot files. The events themselves
 * (vision.detected, vision.classified) are in the journal and projected by projections/vision.ts.
 */

/** One camera as the unit sees it now. */
export interface CameraStatus {
  readonly name: string;
  /** What it is: `rpicam`, `v4l2 /dev/video0`, `rtsp …` (credentials removed), `http …`, `dir …`. */
  readonly describe: string;
  /** ok: the last grab worked; failing: retried with backoff; paused: memory pressure; starting: no grab yet. */
  readonly state: 'starting' | 'ok' | 'failing' | 'paused';
  readonly lastFrameAtMs?: number;
  /** The last failure, while failing (code is a SmolError code such as SMOL_CAMERA_UNAVAILABLE). */
  readonly lastError?: { readonly code: string; readonly message: string; readonly atMs: number };
  readonly nextRetryAtMs?: number;
  /** Frames grabbed, frames the models saw, frames the motion gate skipped as still. */
  readonly frames: number;
  readonly inferences: number;
  readonly skippedStill: number;
  /** Objects being tracked now, by label (what MQTT/HA occupancy reports). */
  readonly occupancy: Readonly<Record<string, number>>;
  /** sha256 of the newest stored snapshot of this camera (event best frame or a `look`). */
  readonly latestSnapshot?: string;
}

/** The answer to `look`: a frame taken now, detected and classified. */
export interface LookResult {
  readonly camera: string;
  readonly capturedAtMs: number;
  /** After the camera's filters (labels of interest, min score and area, mask). */
  readonly detections: readonly Detection[];
  readonly classes: readonly Classification[];
  /** sha256 of the snapshot stored for this look (boxes drawn); absent when it could not be stored. */
  readonly snapshot?: string;
}

export interface VisionService {
  cameras(): readonly CameraStatus[];
  /**
   * Takes a frame now from `camera` (default: the first), runs detection and classification.
   * Throws SMOL_NOT_FOUND (no such camera), SMOL_CAMERA_UNAVAILABLE, SMOL_FRAME_INVALID,
   * SMOL_VISION_BUSY, SMOL_VISION_MODEL_FAILED, SMOL_MEMORY_PRESSURE (paused at high/critical).
   */
  look(camera?: string, signal?: AbortSignal): Promise<LookResult>;
  /** A stored snapshot's JPEG bytes, or undefined when it is not (or no longer) stored. */
  snapshot(sha256: string, variant: 'image' | 'thumbnail'): Promise<Buffer | undefined>;
  /** The models' state and the unit's memory, for /api/health and the memory unit. */
  memory(): { readonly modelsLoaded: boolean; readonly workerRssBytes?: number };
}
