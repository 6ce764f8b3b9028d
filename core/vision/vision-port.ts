/**
 * Ports of the vision unit. Cameras and models live in adapters (adapters/vision); core holds the
 * shapes, the motion gate and the tracking lifecycle as pure functions of frames' results.
 */

/** A box in a frame, normalised to 0..1 of its width and height (independent of resolution). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One encoded frame as a camera gave it (JPEG or PNG bytes), with when and from which camera. */
export interface CapturedFrame {
  readonly camera: string;
  readonly image: Buffer;
  readonly capturedAtMs: number;
}

/** A frame decoded to RGB at the resolution the models run at. */
export interface DecodedFrame {
  readonly camera: string;
  readonly width: number;
  readonly height: number;
  /** width × height × 3 bytes, RGB, row-major. */
  readonly rgb: Uint8Array;
  readonly capturedAtMs: number;
}

/** A camera. `grab` throws SMOL_CAMERA_UNAVAILABLE (never returns a made-up frame). */
export interface CameraSource {
  readonly name: string;
  /** What it is, for doctor and health: `rpicam`, `v4l2 /dev/video0`, `rtsp …`, `http …`, `dir …`. */
  readonly describe: string;
  grab(signal?: AbortSignal): Promise<CapturedFrame>;
  close(): Promise<void>;
}

export interface Detection {
  /** A COCO class name: person, car, dog, … */
  readonly label: string;
  readonly score: number;
  readonly box: Box;
}

export interface Classification {
  readonly label: string;
  readonly score: number;
}

/** Runs the models (in a worker thread); one inference at a time. Throws SMOL_VISION_MODEL_FAILED. */
export interface VisionModels {
  detect(frame: DecodedFrame): Promise<Detection[]>;
  classify(frame: DecodedFrame, topK: number): Promise<Classification[]>;
  /** Both from one forward pass where the models can (half the CPU of detect then classify). */
  analyze?(frame: DecodedFrame, topK: number): Promise<{ readonly detections: Detection[]; readonly classes: Classification[] }>;
  /** Frees the models (idle, or memory pressure); the next call loads them again. */
  unload(): Promise<void>;
  /** Whether the models are in memory now. */
  readonly loaded: boolean;
}
