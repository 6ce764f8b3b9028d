import type { VisionDetected } from '../events/vision-events.js';
import type { z } from 'zod';
import { bottomCentre, boxArea, centre, inAny, iou, pointInPolygon, type Polygon } from './geometry.js';
import type { Box, Detection } from './vision-port.js';

/**
 * The tracking lifecycle of one camera, as a pure function of the detections of each frame the
 * models saw: detections become tracked objects (matched by label and IoU), and objects produce
 * `vision.detected` data only when something worth telling happened, so a person standing still
 * in front of the camera writes one `new` and, once gone, one `end`.
 */

export type VisionDetectedData = z.infer<typeof VisionDetected>;

export interface TrackerSettings {
  readonly labels: readonly string[];
  readonly minScore: number;
  readonly minArea: number;
  readonly endAfterMs: number;
  readonly zones: readonly { readonly name: string; readonly points: Polygon }[];
  readonly mask: readonly Polygon[];
  /** A detection continues an object of its label when their boxes overlap at least this much. */
  readonly matchIou?: number;
  /** An object has moved (an `update`) when its box overlaps the last reported box less than this. */
  readonly moveIou?: number;
  /** An `update` for a better score needs the best score to rise at least this much over the reported one. */
  readonly scoreStep?: number;
}

const DEFAULT_MATCH_IOU = 0.3;
const DEFAULT_MOVE_IOU = 0.7;
const DEFAULT_SCORE_STEP = 0.05;

export interface TrackedObject {
  readonly id: string;
  readonly label: string;
  readonly score: number;
  readonly topScore: number;
  readonly box: Box;
  readonly zones: readonly string[];
  readonly startedAtMs: number;
  readonly lastSeenAtMs: number;
  /** What the last event said, so that only a real change is told again. */
  readonly reportedBox: Box;
  readonly reportedTopScore: number;
  readonly reportedZones: readonly string[];
  readonly snapshot?: string;
  /** Not matched in the last frame the models saw: it may be leaving, so keep looking. */
  readonly missing: boolean;
}

export interface TrackerState {
  readonly camera: string;
  /** Per-camera counter for object ids. */
  readonly seq: number;
  readonly objects: readonly TrackedObject[];
}

export interface TrackResult {
  readonly state: TrackerState;
  readonly events: readonly VisionDetectedData[];
  /** Objects for which this frame is the best so far: store a snapshot, then attachSnapshot. */
  readonly bestFrame: readonly { readonly objectId: string; readonly box: Box; readonly label: string; readonly score: number }[];
}

export function initialTracker(camera: string): TrackerState {
  return { camera, seq: 0, objects: [] };
}

/** Detections that pass the camera's filters: label of interest, score, area, centre not masked. */
export function filterDetections(detections: readonly Detection[], settings: TrackerSettings): Detection[] {
  return detections.filter(
    (d) => settings.labels.includes(d.label) && d.score >= settings.minScore && boxArea(d.box) >= settings.minArea && !inAny(centre(d.box), settings.mask),
  );
}

/** The zones (by name, in config order) that the box's bottom centre is in. */
export function zonesOf(box: Box, zones: TrackerSettings['zones']): string[] {
  const foot = bottomCentre(box);
  return zones.filter((z) => pointInPolygon(foot, z.points)).map((z) => z.name);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function toEvent(camera: string, o: TrackedObject, phase: VisionDetectedData['phase']): VisionDetectedData {
  return {
    camera,
    objectId: o.id,
    phase,
    label: o.label,
    score: o.score,
    topScore: o.topScore,
    box: o.box,
    zones: [...o.zones],
    ...(o.snapshot === undefined ? {} : { snapshot: o.snapshot }),
    startedAtMs: o.startedAtMs,
  };
}

/** Greedy matching, best overlap first: pairs of (object index, detection index). */
function match(objects: readonly TrackedObject[], detections: readonly Detection[], minIou: number): Map<number, number> {
  const pairs: { o: number; d: number; iou: number }[] = [];
  objects.forEach((o, oi) =>
    detections.forEach((d, di) => {
      if (d.label !== o.label) return;
      const v = iou(o.box, d.box);
      if (v >= minIou) pairs.push({ o: oi, d: di, iou: v });
    }),
  );
  pairs.sort((a, b) => b.iou - a.iou);
  const byObject = new Map<number, number>();
  const usedDetections = new Set<number>();
  for (const p of pairs) {
    if (byObject.has(p.o) || usedDetections.has(p.d)) continue;
    byObject.set(p.o, p.d);
    usedDetections.add(p.d);
  }
  return byObject;
}

/**
 * One frame's detections at `atMs` (its capture time): matched objects are updated (an `update`
 * only when moved, in other zones, or their best score rose by scoreStep), unmatched detections
 * are `new` objects, and objects unseen for endAfterMs `end`.
 */
export function track(state: TrackerState, settings: TrackerSettings, detections: readonly Detection[], atMs: number): TrackResult {
  const kept = filterDetections(detections, settings);
  const matched = match(state.objects, kept, settings.matchIou ?? DEFAULT_MATCH_IOU);
  const moveIou = settings.moveIou ?? DEFAULT_MOVE_IOU;
  const scoreStep = settings.scoreStep ?? DEFAULT_SCORE_STEP;
  const events: VisionDetectedData[] = [];
  const bestFrame: { objectId: string; box: Box; label: string; score: number }[] = [];
  const objects: TrackedObject[] = [];
  const taken = new Set(matched.values());

  state.objects.forEach((o, oi) => {
    const di = matched.get(oi);
    const d = di === undefined ? undefined : kept[di];
    if (!d) {
      if (atMs - o.lastSeenAtMs >= settings.endAfterMs) events.push(toEvent(state.camera, o, 'end'));
      else objects.push(o.missing ? o : { ...o, missing: true });
      return;
    }
    const zones = zonesOf(d.box, settings.zones);
    const better = d.score > o.topScore;
    let next: TrackedObject = { ...o, score: d.score, topScore: Math.max(o.topScore, d.score), box: d.box, zones, lastSeenAtMs: atMs, missing: false };
    if (better) bestFrame.push({ objectId: o.id, box: d.box, label: o.label, score: d.score });
    const moved = iou(d.box, o.reportedBox) < moveIou;
    const rose = next.topScore - o.reportedTopScore >= scoreStep;
    if (moved || rose || !sameSet(zones, o.reportedZones)) {
      next = { ...next, reportedBox: d.box, reportedTopScore: next.topScore, reportedZones: zones };
      events.push(toEvent(state.camera, next, 'update'));
    }
    objects.push(next);
  });

  let seq = state.seq;
  kept.forEach((d, di) => {
    if (taken.has(di)) return;
    seq++;
    const zones = zonesOf(d.box, settings.zones);
    const o: TrackedObject = {
      id: `${atMs.toString(36)}-${seq.toString(36)}`,
      label: d.label,
      score: d.score,
      topScore: d.score,
      box: d.box,
      zones,
      startedAtMs: atMs,
      lastSeenAtMs: atMs,
      reportedBox: d.box,
      reportedTopScore: d.score,
      reportedZones: zones,
      missing: false,
    };
    objects.push(o);
    events.push(toEvent(state.camera, o, 'new'));
    bestFrame.push({ objectId: o.id, box: d.box, label: d.label, score: d.score });
  });

  return { state: { camera: state.camera, seq, objects }, events, bestFrame };
}

/**
 * A frame the motion gate found unchanged: the objects the models saw last time are still there
 * (a person standing still does not end). Objects that were missing stay missing.
 */
export function stillFrame(state: TrackerState, atMs: number): TrackerState {
  if (!state.objects.some((o) => !o.missing)) return state;
  return { ...state, objects: state.objects.map((o) => (o.missing ? o : { ...o, lastSeenAtMs: Math.max(o.lastSeenAtMs, atMs) })) };
}

/**
 * Whether the models should see the next frame whatever the motion gate says: an object was
 * missing from the last one and may be gone, and only the models can tell it ended.
 */
export function wantsFrames(state: TrackerState): boolean {
  return state.objects.some((o) => o.missing);
}

/**
 * Ends objects unseen for endAfterMs without a new frame (the camera went away, or motion gating
 * kept the models idle). A frame through `track` does the same.
 */
export function expire(state: TrackerState, settings: TrackerSettings, atMs: number): TrackResult {
  const ended = state.objects.filter((o) => atMs - o.lastSeenAtMs >= settings.endAfterMs);
  if (ended.length === 0) return { state, events: [], bestFrame: [] };
  return {
    state: { ...state, objects: state.objects.filter((o) => !ended.includes(o)) },
    events: ended.map((o) => toEvent(state.camera, o, 'end')),
    bestFrame: [],
  };
}

/** Records the snapshot of an object's best frame, so its later events reference it. */
export function attachSnapshot(state: TrackerState, objectId: string, sha256: string): TrackerState {
  return { ...state, objects: state.objects.map((o) => (o.id === objectId ? { ...o, snapshot: sha256 } : o)) };
}
