import { z } from 'zod';
import type { VisionService } from '../vision/vision-service.js';
import { defineTool } from './tool.js';

const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

/**
 * `look`: a frame from a camera now, detected and classified, answered with the labels (after the
 * camera's filters), their scores and boxes (0..1 of the frame), the scene labels and a reference
 * to the stored snapshot. Journals no vision event (the call itself is a tool.called/completed).
 * Throws what VisionService.look throws: SMOL_NOT_FOUND, SMOL_CAMERA_UNAVAILABLE, SMOL_FRAME_INVALID,
 * SMOL_VISION_BUSY, SMOL_VISION_MODEL_FAILED, SMOL_MEMORY_PRESSURE.
 */
export function lookTool(vision: VisionService) {
  const names = vision.cameras().map((c) => c.name);
  return defineTool({
    name: 'look',
    description: `Take a picture with a camera now and say what is in it: objects (label, score, box as fractions of the frame), scene labels and a snapshot reference. Cameras: ${names.join(', ') || 'none'}.`,
    parameters: z.object({ camera: z.string().min(1).max(40).optional().describe(`camera name (default: ${names[0] ?? 'the first'})`) }).strict(),
    async execute({ camera }, ctx) {
      const r = await vision.look(camera, ctx.signal);
      return {
        camera: r.camera,
        capturedAt: new Date(r.capturedAtMs).toISOString(),
        labels: [...new Set(r.detections.map((d) => d.label))],
        detections: r.detections.map((d) => ({ label: d.label, score: round(d.score), box: { x: round(d.box.x), y: round(d.box.y), w: round(d.box.w), h: round(d.box.h) } })),
        classes: r.classes.map((c) => ({ label: c.label, score: round(c.score) })),
        snapshot: r.snapshot === undefined ? null : { sha256: r.snapshot, url: `/api/vision/snapshots/${r.snapshot}`, thumbnail: `/api/vision/snapshots/${r.snapshot}/thumbnail` },
      };
    },
  });
}
