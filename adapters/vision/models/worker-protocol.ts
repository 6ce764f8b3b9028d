import type { Classification, Detection } from '../../../core/vision/vision-port.js';

/** Messages between WorkerVisionModels and vision-worker (structured-clone data only). */

export interface FramePayload {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export interface DetectOptions {
  readonly minScore: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
}

export type WorkerRequest =
  | { readonly id: number; readonly op: 'detect'; readonly frame: FramePayload; readonly options: DetectOptions }
  | { readonly id: number; readonly op: 'classify'; readonly frame: FramePayload; readonly topK: number }
  | { readonly id: number; readonly op: 'analyze'; readonly frame: FramePayload; readonly options: DetectOptions; readonly topK: number }
  | { readonly id: number; readonly op: 'stats' }
  | { readonly id: number; readonly op: 'stop' };

export interface WorkerStats {
  /** V8 heap used in the worker. */
  readonly heapUsedBytes: number;
  /** The wasm backend's linear memory (weights and activations live there). */
  readonly wasmBytes: number;
  readonly tensorBytes: number;
}

/** Detections and scene labels of one forward pass (`analyze`). */
export interface Analysis {
  readonly detections: Detection[];
  readonly classes: Classification[];
}

export type WorkerResult = Detection[] | Classification[] | Analysis | WorkerStats | null;

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: WorkerResult }
  | { readonly id: number; readonly ok: false; readonly message: string };
