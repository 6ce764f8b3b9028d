import { z } from 'zod';

const unit = z.number().min(0).max(1);
const point = z.tuple([unit, unit]).describe('[x, y], normalised to 0..1 of the frame');
const polygon = z.array(point).min(3, 'a polygon needs at least 3 points');

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'expected lowercase letters, digits and _, starting with a letter')
  .max(40)
  .describe('name in events, MQTT topics and Home Assistant');

const zone = z
  .object({
    name: name.describe('zone name, reported in vision.detected events'),
    points: polygon.describe('the zone polygon, [[x, y], ...] normalised; an object is in it when its box bottom centre is'),
  })
  .strict();

const motion = z
  .object({
    enabled: z.boolean().default(true).describe('run inference only when the frame changed (cheap frame differencing first)'),
    threshold: z.number().min(0.0001).max(1).default(0.01).describe('fraction of changed thumbnail pixels (outside the mask) that counts as motion'),
    pixelDelta: z.number().int().min(1).max(255).default(25).describe('grey-level difference (0..255) for a thumbnail pixel to count as changed'),
    heartbeatMs: z.number().int().min(1000).default(300_000).describe('run inference at least this often even on a still scene (ms)'),
  })
  .strict()
  .prefault({});

/** Fields every camera has, whatever its source. */
const common = {
  name,
  intervalMs: z.number().int().min(200).max(3_600_000).default(5000).describe('time between frames (ms)'),
  width: z.number().int().min(32).max(4096).default(416).describe('frame width the camera is asked for (px)'),
  height: z.number().int().min(32).max(4096).default(320).describe('frame height the camera is asked for (px)'),
  timeoutMs: z.number().int().min(500).max(120_000).default(10_000).describe('a grab that takes longer fails with SMOL_CAMERA_UNAVAILABLE (ms)'),
  maxFrameBytes: z.number().int().min(1024).default(8 << 20).describe('a frame larger than this is refused with SMOL_FRAME_INVALID (bytes)'),
  motion,
  // vision.detected lists at most 32 zones (core/events/vision-events.ts).
  zones: z.array(zone).max(32, 'at most 32 zones per camera').default([]).describe('named polygons; events list the zones an object is in'),
  mask: z.array(polygon).default([]).describe('polygons to ignore: no motion counted there, no detection whose centre is there'),
  labels: z.array(z.string().min(1)).min(1).default(['person', 'car', 'dog', 'cat', 'bicycle']).describe('labels of interest (COCO names); others are ignored'),
  minScore: unit.default(0.5).describe('detections scoring less are ignored'),
  minArea: unit.default(0.01).describe('detections whose box covers less of the frame are ignored'),
  endAfterMs: z.number().int().min(1000).default(30_000).describe('an object not seen for this long ends (ms)'),
};

const rpicam = z
  .object({
    ...common,
    source: z.literal('rpicam'),
    command: z.string().min(1).default('rpicam-still').describe('rpicam-still, or libcamera-still on Raspberry Pi OS Bullseye'),
    camera: z.number().int().min(0).max(7).default(0).describe('camera index (--camera) when a Pi has two'),
  })
  .strict();
const v4l2 = z
  .object({
    ...common,
    source: z.literal('v4l2'),
    device: z.string().regex(/^\/dev\/\S+$/, 'expected a device path such as /dev/video0').default('/dev/video0').describe('the V4L2 device of a USB webcam'),
    ffmpeg: z.string().min(1).default('ffmpeg').describe('the ffmpeg program'),
  })
  .strict();
const rtsp = z
  .object({
    ...common,
    source: z.literal('rtsp'),
    url: z.string().regex(/^rtsps?:\/\/\S+$/, 'expected an rtsp:// or rtsps:// URL').describe('the stream URL (credentials may be in it)'),
    ffmpeg: z.string().min(1).default('ffmpeg').describe('the ffmpeg program'),
  })
  .strict();
const http = z
  .object({
    ...common,
    source: z.literal('http'),
    url: z.string().regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL').describe("a snapshot URL: an IP camera, go2rtc's frame.jpeg, Frigate's latest.jpg"),
  })
  .strict();
const dir = z
  .object({
    ...common,
    source: z.literal('dir'),
    path: z.string().min(1).describe('a directory; the newest .jpg/.jpeg/.png in it is the frame'),
  })
  .strict();

export const cameraSchema = z.discriminatedUnion('source', [rpicam, v4l2, rtsp, http, dir]);
export type CameraConfig = z.output<typeof cameraSchema>;

/** `vision`: cameras, object detection and classification (issue 13). Off by default. */
export const visionSection = z
  .object({
    enabled: z.boolean().default(false).describe('watch the cameras below and journal vision.detected events'),
    cameras: z
      .array(cameraSchema)
      .default([])
      .superRefine((cameras, ctx) => {
        const seen = new Map<string, number>();
        cameras.forEach((c, i) => {
          const first = seen.get(c.name);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], input: c.name, message: `duplicate camera name "${c.name}" (also vision.cameras.${first})` });
          else seen.set(c.name, i);
          const zones = new Set<string>();
          c.zones.forEach((z, j) => {
            if (zones.has(z.name)) ctx.addIssue({ code: 'custom', path: [i, 'zones', j, 'name'], input: z.name, message: `camera "${c.name}": duplicate zone name "${z.name}"` });
            zones.add(z.name);
          });
        });
      })
      .describe('the cameras: source rpicam | v4l2 | rtsp | http | dir'),
    snapshots: z
      .object({
        maxBytes: z.number().int().min(1 << 20).default(200 * 1024 * 1024).describe('size budget of <dataDir>/snapshots (bytes); the oldest are removed first'),
        sync: z.boolean().default(false).describe('after each sync round, send peers the snapshot files of this node\'s detections they lack (≤ 20 files / 8 MiB a round; the events always sync)'),
      })
      .strict()
      .prefault({})
      .describe('Snapshots: the best frame of each event with its box drawn, content-addressed'),
    models: z
      .object({
        idleUnloadMs: z.number().int().min(10_000).default(300_000).describe('unload the models after this long without an inference (ms)'),
      })
      .strict()
      .prefault({})
      .describe('Models: object detection and classification in a worker thread'),
    describe: z
      .object({
        model: z.string().min(1).optional().describe('an Ollama vision model (moondream, llava, gemma3) that describes the snapshot of a new detection as an observation (method vision-llm); off when absent'),
        labels: z.array(z.string().min(1)).min(1).default(['person']).describe('detections of these labels are described'),
        minIntervalMs: z.number().int().min(10_000).default(300_000).describe('at most one description per camera this often (ms)'),
      })
      .strict()
      .prefault({})
      .describe('Vision-llm observations: a sentence or two about a new detection, by a vision model'),
  })
  .strict()
  .prefault({})
  .describe('Vision: cameras, object detection and image classification as events');

export type VisionSettings = z.output<typeof visionSection>;
