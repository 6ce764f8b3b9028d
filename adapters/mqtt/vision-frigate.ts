/**
 * Frigate-style vision events for MQTT: each journaled `vision.detected` becomes
 * `{type: new|update|end, before, after}` where before/after are the tracked object as it was
 * before and after the event, with Frigate's field names (id, camera, label, score, top_score,
 * box, area, current_zones, entered_zones, start_time, end_time, has_snapshot, …). Pure: the
 * publisher keeps the state (adapters/mqtt/vision-stream.ts).
 *
 * Differences from Frigate, on purpose: `box` is [x1, y1, x2, y2] normalised to 0..1 of the
 * frame (our events do not carry the frame size); times are seconds since the epoch as Frigate
 * has them; `snapshot` is the sha256 of the stored JPEG (GET /api/vision/snapshots/<sha256>).
 */
import type { VisionDetected } from '../../core/events/vision-events.js';
import type { z } from 'zod';

type Detected = z.infer<typeof VisionDetected>;

/** One tracked object as Frigate's MQTT events show it. */
export interface FrigateObject {
  readonly id: string;
  readonly camera: string;
  readonly node: string;
  /** The journal's object id (unique per camera and node). */
  readonly object_id: string;
  readonly label: string;
  readonly sub_label: null;
  readonly score: number;
  readonly top_score: number;
  readonly box: readonly [number, number, number, number];
  readonly area: number;
  readonly current_zones: readonly string[];
  readonly entered_zones: readonly string[];
  readonly start_time: number;
  readonly end_time: number | null;
  /** When the event that made this state was written (s). */
  readonly frame_time: number;
  readonly has_snapshot: boolean;
  readonly has_clip: false;
  readonly false_positive: false;
  readonly snapshot: string | null;
}

export interface FrigateEvent {
  readonly type: 'new' | 'update' | 'end';
  readonly before: FrigateObject | null;
  readonly after: FrigateObject;
}

/** What a node knows of an object that is open (from the `vision` projection at start). */
export interface OpenVisionObject {
  readonly camera: string;
  readonly objectId: string;
  readonly label: string;
  readonly score: number;
  readonly topScore: number;
  readonly box: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly zones: readonly string[];
  readonly snapshot?: string | undefined;
  readonly startedAtMs: number;
  readonly lastSeenAtMs?: number | undefined;
}

/** Open objects per camera, by object id. */
export type TrackedObjects = Map<string, Map<string, FrigateObject>>;

const round = (n: number) => Math.round(n * 10_000) / 10_000;
const seconds = (ms: number) => ms / 1000;

/** The Frigate id of an object: camera and object id, so that it is unique on the node. */
export function frigateIdOf(camera: string, objectId: string): string {
  return `${camera}-${objectId}`;
}

function frigateObjectOf(node: string, d: Omit<Detected, 'phase'>, atMs: number, enteredBefore: readonly string[], ended: boolean): FrigateObject {
  const entered = [...enteredBefore, ...d.zones.filter((z) => !enteredBefore.includes(z))];
  return {
    id: frigateIdOf(d.camera, d.objectId),
    camera: d.camera,
    node,
    object_id: d.objectId,
    label: d.label,
    sub_label: null,
    score: d.score,
    top_score: d.topScore,
    box: [round(d.box.x), round(d.box.y), round(Math.min(1, d.box.x + d.box.w)), round(Math.min(1, d.box.y + d.box.h))],
    area: round(d.box.w * d.box.h),
    current_zones: ended ? [] : [...d.zones],
    entered_zones: entered,
    start_time: seconds(d.startedAtMs),
    end_time: ended ? seconds(atMs) : null,
    frame_time: seconds(atMs),
    has_snapshot: d.snapshot !== undefined,
    has_clip: false,
    false_positive: false,
    snapshot: d.snapshot ?? null,
  };
}

/** Seeds the tracked objects from the projection's open objects (a node restart with people in view). */
export function trackedOf(node: string, open: readonly OpenVisionObject[]): TrackedObjects {
  const tracked: TrackedObjects = new Map();
  for (const o of open) {
    const at = o.lastSeenAtMs ?? o.startedAtMs;
    const d = { camera: o.camera, objectId: o.objectId, label: o.label, score: o.score, topScore: o.topScore, box: o.box, zones: [...o.zones], startedAtMs: o.startedAtMs, ...(o.snapshot ? { snapshot: o.snapshot } : {}) };
    cameraOf(tracked, o.camera).set(o.objectId, frigateObjectOf(node, d, at, [], false));
  }
  return tracked;
}

function cameraOf(tracked: TrackedObjects, camera: string): Map<string, FrigateObject> {
  let m = tracked.get(camera);
  if (!m) tracked.set(camera, (m = new Map()));
  return m;
}

/**
 * Applies one event to `tracked` (in place) and returns the Frigate message. `new` always has
 * before = null; an `update` or `end` of an object this publisher never saw open (its `new` came
 * before the stream's cursor and it was not open at start) also has before = null.
 * `maxPerCamera` bounds the open objects kept (the oldest go first), so a vision unit that never
 * ends its objects cannot grow the publisher's memory.
 */
export function applyDetected(tracked: TrackedObjects, node: string, d: Detected, atMs: number, maxPerCamera = 256): FrigateEvent {
  const objects = cameraOf(tracked, d.camera);
  const prior = objects.get(d.objectId);
  const before = d.phase === 'new' ? null : (prior ?? null);
  const after = frigateObjectOf(node, d, atMs, d.phase === 'new' ? [] : (prior?.entered_zones ?? []), d.phase === 'end');
  if (d.phase === 'end') {
    objects.delete(d.objectId);
  } else {
    // Re-inserted, so that map order is the order of last change and the oldest is first to go.
    objects.delete(d.objectId);
    objects.set(d.objectId, after);
    for (const id of objects.keys()) {
      if (objects.size <= maxPerCamera) break;
      objects.delete(id);
    }
  }
  if (objects.size === 0) tracked.delete(d.camera);
  return { type: d.phase, before, after };
}

/** Open objects of `label` on `camera`. */
export function countOf(tracked: TrackedObjects, camera: string, label: string): number {
  let n = 0;
  for (const o of tracked.get(camera)?.values() ?? []) if (o.label === label) n++;
  return n;
}
