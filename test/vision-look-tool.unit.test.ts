import t from 'tap';
import { ErrorCodes, SmolError } from '../core/errors.js';
import { lookTool } from '../core/tools/look-tool.js';
import type { CameraStatus, LookResult, VisionService } from '../core/vision/vision-service.js';

const SHA = 'a'.repeat(64);
const status = (name: string): CameraStatus => ({ name, describe: `dir /cams/${name}`, state: 'ok', frames: 1, inferences: 1, skippedStill: 0, occupancy: {} });

function service(answer: (camera?: string) => LookResult): VisionService & { asked: Array<string | undefined> } {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    cameras: () => [status('porch'), status('yard')],
    look: async (camera) => {
      asked.push(camera);
      return answer(camera);
    },
    snapshot: async () => undefined,
    memory: () => ({ modelsLoaded: true }),
  };
}

const ctx = { caller: { kind: 'agent' as const }, registers: new Map<string, unknown>() };

t.test('look answers labels, rounded scores and boxes, scene labels and the snapshot reference', async (t) => {
  const vision = service((camera) => ({
    camera: camera ?? 'porch',
    capturedAtMs: Date.UTC(2026, 11, 2, 3, 0, 0),
    detections: [
      { label: 'person', score: 0.91234, box: { x: 0.123456, y: 0.2, w: 0.3, h: 0.6 } },
      { label: 'person', score: 0.7, box: { x: 0.6, y: 0.2, w: 0.2, h: 0.5 } },
      { label: 'dog', score: 0.55, box: { x: 0.1, y: 0.7, w: 0.2, h: 0.2 } },
    ],
    classes: [{ label: 'person', score: 0.95 }],
    snapshot: SHA,
  }));
  const tool = lookTool(vision);
  t.match(tool.description, /Cameras: porch, yard/);
  const r = (await tool.execute(tool.parameters.parse({}), ctx)) as Record<string, unknown>;
  t.same(vision.asked, [undefined], 'no camera: the service picks the first');
  t.same(r, {
    camera: 'porch',
    capturedAt: '2026-12-02T03:00:00.000Z',
    labels: ['person', 'dog'],
    detections: [
      { label: 'person', score: 0.912, box: { x: 0.123, y: 0.2, w: 0.3, h: 0.6 } },
      { label: 'person', score: 0.7, box: { x: 0.6, y: 0.2, w: 0.2, h: 0.5 } },
      { label: 'dog', score: 0.55, box: { x: 0.1, y: 0.7, w: 0.2, h: 0.2 } },
    ],
    classes: [{ label: 'person', score: 0.95 }],
    snapshot: { sha256: SHA, url: `/api/vision/snapshots/${SHA}`, thumbnail: `/api/vision/snapshots/${SHA}/thumbnail` },
  });
  const empty = (await lookTool(service(() => ({ camera: 'yard', capturedAtMs: 0, detections: [], classes: [] }))).execute({ camera: 'yard' }, ctx)) as Record<string, unknown>;
  t.match(empty, { labels: [], detections: [], snapshot: null });
});

t.test("look passes the service's coded errors on, and refuses unknown arguments", async (t) => {
  const tool = lookTool(service(() => {
    throw new SmolError(ErrorCodes.MEMORY_PRESSURE, 'paused');
  }));
  await t.rejects(tool.execute({ camera: 'porch' }, ctx), { code: ErrorCodes.MEMORY_PRESSURE });
  t.notOk(tool.parameters.safeParse({ camera: 'porch', zoom: 2 }).success);
});
