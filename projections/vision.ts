import { hlcWall } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import { defineProjection, exhaustive } from '../core/projection/define-projection.js';

/**
 * The vision read model: per node and camera, the objects being tracked now (occupancy by label),
 * the latest snapshot and classification, and a bounded list of recent objects, each a summary of
 * its vision.detected lifecycle (new → update… → end). It serves GET /api/vision*, the
 * recent_detections tool, the observer's context, and the vision unit at start (openObjects).
 *
 * Events come from this node and, on a hub, from its peers (sync), so the projection trusts
 * nothing about their order beyond what one origin's feed guarantees: an update or end of an
 * object it never saw (its `new` fell out of the bound or out of retained history) is recorded
 * from what the event carries; a second end, or anything after an end, changes nothing.
 */

type Detected = EventDataMap['vision.detected'];

/** A tracked object's lifecycle summary (the HTTP contract's VisionObject). */
export interface VisionObject {
  node: string;
  camera: string;
  objectId: string;
  label: string;
  /** The score of the last detection reported. */
  score: number;
  topScore: number;
  box: Detected['box'];
  zones: string[];
  /** sha256 of the newest snapshot an event of this object referenced. */
  snapshot?: string;
  startedAtMs: number;
  /** When the last new/update event was written (a still object writes none until its end). */
  lastSeenAtMs: number;
  /** When its end event was written; absent while it is tracked. */
  endedAtMs?: number;
}

/** What the journal says about one camera of one node. */
export interface VisionCamera {
  node: string;
  camera: string;
  latestSnapshot?: string;
  latestSnapshotAtMs?: number;
  /** The latest top-k classes (vision.classified) and when they were written. */
  classes?: Array<{ label: string; score: number }>;
  classifiedAtMs?: number;
  /** When the last vision event of this camera was written. */
  lastEventAtMs: number;
}

/**
 * Objects and cameras are keyed by JSON of their identity (a camera name may hold any character),
 * in objects that state chunks split entry by entry, so a commit writes only the entries that
 * changed. Insertion order is the order objects were first seen, which the bound evicts by.
 */
export interface VisionState {
  cameras: Record<string, VisionCamera>;
  objects: Record<string, VisionObject>;
  /** Objects dropped by the bound (oldest ended first). */
  evicted: number;
}

/** At most this many objects (open and ended) are kept, over all nodes and cameras. */
export const MAX_VISION_OBJECTS = 500;
/** At most this many cameras are kept (a peer naming a new camera per event cannot grow the state). */
export const MAX_VISION_CAMERAS = 64;

const cameraKey = (node: string, camera: string) => JSON.stringify([node, camera]);
const objectKey = (node: string, camera: string, objectId: string) => JSON.stringify([node, camera, objectId]);

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The node with the most entries (the first such in insertion order): the one an overflow is taken from. */
function busiestNode(entries: Iterable<{ node: string }>): string | undefined {
  const counts = new Map<string, number>();
  let busiest: string | undefined;
  for (const e of entries) {
    const n = (counts.get(e.node) ?? 0) + 1;
    counts.set(e.node, n);
    if (busiest === undefined || n > counts.get(busiest)!) busiest = e.node;
  }
  return busiest;
}

/**
 * Drops the first ended object in insertion order; when none has ended, the first open one of the
 * node with the most open objects, so that a peer flooding objects (or lying) evicts its own and
 * cannot push out what another node, this one included, is tracking now.
 */
function evictOne(state: VisionState): void {
  let victim: string | undefined;
  for (const key in state.objects) {
    if (state.objects[key]?.endedAtMs !== undefined) { victim = key; break; }
  }
  if (victim === undefined) {
    const node = busiestNode(Object.values(state.objects));
    for (const key in state.objects) if (state.objects[key]?.node === node) { victim = key; break; }
  }
  if (victim !== undefined) {
    delete state.objects[victim];
    state.evicted += 1;
  }
}

function touchCamera(state: VisionState, node: string, camera: string, at: number): VisionCamera {
  const key = cameraKey(node, camera);
  let cam = own(state.cameras, key);
  if (!cam) {
    const keys = Object.keys(state.cameras);
    if (keys.length >= MAX_VISION_CAMERAS) {
      // The camera heard from least recently of the node with the most cameras goes (a peer naming
      // a new camera per event loses its own, not another node's).
      const busiest = busiestNode(Object.values(state.cameras));
      let oldest: string | undefined;
      for (const k of keys) {
        const c = state.cameras[k]!;
        if (c.node === busiest && (oldest === undefined || c.lastEventAtMs < state.cameras[oldest]!.lastEventAtMs)) oldest = k;
      }
      if (oldest !== undefined) delete state.cameras[oldest];
    }
    cam = { node, camera, lastEventAtMs: at };
    state.cameras[key] = cam;
  }
  cam.lastEventAtMs = Math.max(cam.lastEventAtMs, at);
  return cam;
}

function detected(state: VisionState, node: string, d: Detected, at: number): VisionState {
  const cam = touchCamera(state, node, d.camera, at);
  if (d.snapshot !== undefined && at >= (cam.latestSnapshotAtMs ?? -1)) {
    cam.latestSnapshot = d.snapshot;
    cam.latestSnapshotAtMs = at;
  }
  const key = objectKey(node, d.camera, d.objectId);
  const known = own(state.objects, key);
  if (known?.endedAtMs !== undefined) return state; // a duplicate end, or a lie after the end
  const obj: VisionObject = known ?? {
    node, camera: d.camera, objectId: d.objectId, label: d.label, score: d.score, topScore: d.topScore,
    box: { ...d.box }, zones: [...d.zones], startedAtMs: d.startedAtMs, lastSeenAtMs: at,
  };
  obj.label = d.label;
  obj.score = d.score;
  obj.topScore = Math.max(known?.topScore ?? 0, d.topScore);
  obj.box = { ...d.box };
  obj.zones = [...d.zones];
  if (d.snapshot !== undefined) obj.snapshot = d.snapshot;
  if (d.phase === 'end') obj.endedAtMs = at;
  else obj.lastSeenAtMs = Math.max(obj.lastSeenAtMs, at);
  if (!known) {
    if (Object.keys(state.objects).length >= MAX_VISION_OBJECTS) evictOne(state);
    state.objects[key] = obj;
  }
  return state;
}

/** Per node and camera: objects tracked now, occupancy, latest snapshot and classes, recent objects. */
export const visionProjection = defineProjection({
  name: 'vision',
  version: 1,
  handles: ['vision.detected', 'vision.classified'],
  initial: (): VisionState => ({ cameras: {}, objects: {}, evicted: 0 }),
  evolve(state, event) {
    const at = hlcWall(event.hlc);
    switch (event.type) {
      case 'vision.detected':
        return detected(state, event.origin, event.data, at);
      case 'vision.classified': {
        const cam = touchCamera(state, event.origin, event.data.camera, at);
        if (at >= (cam.classifiedAtMs ?? -1)) {
          cam.classes = event.data.top.map((c) => ({ label: c.label, score: c.score }));
          cam.classifiedAtMs = at;
        }
        return state;
      }
      default:
        return exhaustive(event, state);
    }
  },
});

/** What to list: all filters are exact matches; `sinceMs` keeps objects tracked now or seen (or ended) since then. */
export interface VisionObjectQuery {
  node?: string;
  camera?: string;
  label?: string;
  sinceMs?: number;
  /** Default 50. */
  limit?: number;
}

const lastActivity = (o: VisionObject) => o.endedAtMs ?? o.lastSeenAtMs;

/** Objects matching the query, newest first (by start, then last activity). */
export function listVisionObjects(state: VisionState, q: VisionObjectQuery = {}): VisionObject[] {
  return Object.values(state.objects)
    .filter((o) => (q.node === undefined || o.node === q.node)
      && (q.camera === undefined || o.camera === q.camera)
      && (q.label === undefined || o.label === q.label)
      && (q.sinceMs === undefined || o.endedAtMs === undefined || lastActivity(o) >= q.sinceMs))
    .sort((a, b) => b.startedAtMs - a.startedAtMs || lastActivity(b) - lastActivity(a))
    .slice(0, q.limit ?? 50);
}

/**
 * The objects of `node` that have no end yet, oldest first: after a killed run, the vision unit
 * ends these at start (its tracker lost them), so occupancy does not stay up forever.
 */
export function openObjects(state: VisionState, node: string): VisionObject[] {
  return Object.values(state.objects)
    .filter((o) => o.node === node && o.endedAtMs === undefined)
    .sort((a, b) => a.startedAtMs - b.startedAtMs);
}

/** A camera with what is being tracked there now. */
export interface VisionCameraView extends VisionCamera {
  /** Open objects by label. */
  occupancy: Record<string, number>;
  open: number;
}

/** Every camera the journal knows of (optionally of one node), by node then camera name. */
export function listVisionCameras(state: VisionState, node?: string): VisionCameraView[] {
  const views = new Map<string, VisionCameraView>();
  for (const [key, cam] of Object.entries(state.cameras)) {
    if (node === undefined || cam.node === node) views.set(key, { ...cam, occupancy: {}, open: 0 });
  }
  for (const o of Object.values(state.objects)) {
    if (o.endedAtMs !== undefined) continue;
    const view = views.get(cameraKey(o.node, o.camera));
    if (!view) continue;
    view.occupancy[o.label] = (view.occupancy[o.label] ?? 0) + 1;
    view.open += 1;
  }
  return [...views.values()].sort((a, b) => a.node.localeCompare(b.node) || a.camera.localeCompare(b.camera));
}

/** One camera of one node, or undefined when the journal has no event of it. */
export function getVisionCamera(state: VisionState, node: string, camera: string): VisionCameraView | undefined {
  return listVisionCameras(state, node).find((c) => c.camera === camera);
}

/** The snapshots the events of `node` reference, newest first: each object's newest, then each camera's latest (what snapshot sync offers). */
export function ownSnapshots(state: VisionState, node: string): string[] {
  const hashes = new Set<string>();
  for (const o of listVisionObjects(state, { node, limit: 500 })) if (o.snapshot) hashes.add(o.snapshot);
  for (const c of listVisionCameras(state, node)) if (c.latestSnapshot) hashes.add(c.latestSnapshot);
  return [...hashes];
}
