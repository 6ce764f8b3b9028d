import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { CameraStatus, VisionService } from '../../../core/vision/vision-service.js';
import type { SnapshotStore } from '../../vision/snapshots/snapshot-store.js';
import { listVisionCameras, listVisionObjects, type VisionCameraView, type VisionState } from '../../../projections/vision.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { abortWhenClientGone } from '../client-gone.js';
import { parseInput } from '../validate.js';
import { queryInt } from './query.js';

declare module '../app.js' {
  interface AppDeps {
    /** The running vision unit, once it started; absent or undefined = vision is off on this node. */
    readonly vision?: () => VisionService | undefined;
    /** The node's snapshot store: serves snapshots when vision is off here (a hub keeps those its peers sent). */
    readonly snapshots?: SnapshotStore;
  }
}

/** A camera in GET /api/vision: what the unit reports (this node) or what the journal says (a peer's). */
export type VisionCameraEntry = CameraStatus & {
  readonly node: string;
  readonly classes?: ReadonlyArray<{ readonly label: string; readonly score: number }>;
  /** `live`: this node's vision unit; `journal`: known only from synced events (another node). */
  readonly source: 'live' | 'journal';
};

const cameraName = z.string().min(1).max(40);
const ObjectsQuery = z
  .object({
    camera: cameraName.optional(),
    label: z.string().min(1).max(80).optional(),
    node: z.string().min(1).max(200).optional(),
    limit: queryInt(1, 500).optional(),
    /** Only objects seen (or ended) at or after this time (ms since the epoch). */
    sinceMs: queryInt(0, 2 ** 48).optional(),
  })
  .strict();
const SnapshotParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a snapshot is named by its sha256: 64 lowercase hex digits') });
const LookBody = z.object({ camera: cameraName.optional() }).strict();

// A snapshot's name is its content hash, so its bytes never change: browsers may keep it for good.
// `private`: snapshots are private data; no shared cache may keep them.
const IMMUTABLE = 'private, max-age=31536000, immutable';

/** A camera another node reported through its events: no live figures, only what the journal holds. */
function fromJournal(view: VisionCameraView): VisionCameraEntry {
  return {
    name: view.camera,
    node: view.node,
    source: 'journal',
    describe: `camera of node ${view.node} (from its events)`,
    // The events say the camera worked when they were written; anything newer is the other node's to tell.
    state: 'ok',
    lastFrameAtMs: view.lastEventAtMs,
    frames: 0,
    inferences: 0,
    skippedStill: 0,
    occupancy: view.occupancy,
    ...(view.latestSnapshot ? { latestSnapshot: view.latestSnapshot } : {}),
    ...(view.classes ? { classes: view.classes } : {}),
  };
}

/**
 * The vision API: cameras (GET /api/vision), tracked and recent objects (GET /api/vision/objects),
 * snapshot JPEGs by hash, and a frame on demand (POST /api/vision/look, admin). Reads need the read
 * scope from a non-loopback address, like every private read. Objects come from the `vision`
 * projection, so a hub lists its peers' objects too; their snapshots are here only when the peer
 * sends them (vision.snapshots.sync on the peer), else 404 SMOL_NOT_FOUND. With vision off the
 * snapshots come from the node's store on disk (deps.snapshots), so a hub without cameras serves
 * those it received.
 */
export const apiVisionRoutes: RouteGroup = async (app, { deps }) => {
  const read = requireScope('read');
  const admin = requireScope('admin');
  const state = () => deps.node.runner<VisionState>('vision').state;
  const service = () => deps.vision?.();

  app.get('/api/vision', { onRequest: read }, async () => {
    const self = deps.journal.nodeId;
    const live = service();
    const views = listVisionCameras(state());
    const cameras: VisionCameraEntry[] = [];
    for (const cam of live?.cameras() ?? []) {
      const view = views.find((v) => v.node === self && v.camera === cam.name);
      cameras.push({ ...cam, node: self, source: 'live', ...(view?.classes ? { classes: view.classes } : {}) });
    }
    // This node's cameras that are no longer configured are left out; their objects stay in /objects.
    for (const view of views) if (view.node !== self) cameras.push(fromJournal(view));
    return { enabled: live !== undefined, cameras };
  });

  app.get('/api/vision/objects', { onRequest: read }, async (request) => {
    const q = parseInput(ObjectsQuery, request.query, 'query');
    return { objects: listVisionObjects(state(), q) };
  });

  const snapshot = (variant: 'image' | 'thumbnail') => async (request: FastifyRequest, reply: FastifyReply) => {
    const { sha256 } = parseInput(SnapshotParams, request.params, 'params');
    const live = service();
    const bytes = live ? await live.snapshot(sha256, variant) : await deps.snapshots?.get(sha256, variant);
    if (!bytes) throw new SmolError(ErrorCodes.NOT_FOUND, `no snapshot ${sha256} on this node (removed by its budget, or taken on another node)`);
    void reply
      .header('content-type', 'image/jpeg')
      .header('cache-control', IMMUTABLE)
      .header('etag', `"${sha256}${variant === 'thumbnail' ? '-thumb' : ''}"`)
      .header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  };
  app.get('/api/vision/snapshots/:sha256', { onRequest: read }, snapshot('image'));
  app.get('/api/vision/snapshots/:sha256/thumbnail', { onRequest: read }, snapshot('thumbnail'));

  app.post('/api/vision/look', { onRequest: admin }, async (request, reply) => {
    const { camera } = parseInput(LookBody, request.body, 'body');
    const live = service();
    if (!live) throw new SmolError(ErrorCodes.VISION_DISABLED, 'vision is off on this node (no cameras in the vision section of the config)');
    return live.look(camera, abortWhenClientGone(reply));
  });
};
