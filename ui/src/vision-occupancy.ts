import type { EventDataMap } from '../../core/events/core-events.js';
import type {} from '../../core/events/vision-events.js'; // vision.detected in EventDataMap
import type { VisionObject } from '../../projections/vision.js';

export type Detected = EventDataMap['vision.detected'];

/** An object a camera tracks now: what its newest event said. */
export interface OpenObject {
  readonly objectId: string;
  readonly label: string;
  readonly score: number;
  readonly box: Detected['box'];
  readonly zones: readonly string[];
}

/** How many events are kept to replay over a fresh REST answer (more than a page sees in minutes). */
const RING = 500;

const cameraKey = (node: string, camera: string) => JSON.stringify([node, camera]);

/**
 * The objects each camera tracks now, from the REST list (the vision projection) and then every
 * vision.detected event the page's stream delivers. The REST answer may lag the stream (the
 * projection applies after the event is journaled), so after each answer the events seen since
 * the page opened are applied again, in order: each sets or removes one object, so applying one
 * twice changes nothing, and an `end` stays an end.
 */
export class OpenObjects {
  private readonly cameras = new Map<string, Map<string, OpenObject>>();
  private readonly ended = new Set<string>();
  private readonly ring: Array<{ node: string; d: Detected }> = [];

  /** Starts again from the projection's objects (open ones: no endedAtMs), then replays the stream. */
  seed(objects: readonly VisionObject[]): void {
    this.cameras.clear();
    for (const o of objects) {
      if (o.endedAtMs !== undefined) continue;
      this.put(o.node, o.camera, { objectId: o.objectId, label: o.label, score: o.score, box: o.box, zones: o.zones });
    }
    for (const { node, d } of this.ring) this.step(node, d);
  }

  /** One vision.detected event of `node` (the event's origin) from the stream. */
  apply(node: string, d: Detected): void {
    this.ring.push({ node, d });
    if (this.ring.length > RING) this.ring.shift();
    this.step(node, d);
  }

  /** The open objects of a camera, oldest first. */
  of(node: string, camera: string): OpenObject[] {
    return [...(this.cameras.get(cameraKey(node, camera))?.values() ?? [])];
  }

  /** Open objects of a camera by label, most first: [["person", 2], ["car", 1]]. */
  counts(node: string, camera: string): Array<[string, number]> {
    const by = new Map<string, number>();
    for (const o of this.of(node, camera)) by.set(o.label, (by.get(o.label) ?? 0) + 1);
    return [...by].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  private step(node: string, d: Detected): void {
    const id = JSON.stringify([node, d.camera, d.objectId]);
    if (d.phase === 'end') {
      this.ended.add(id);
      this.cameras.get(cameraKey(node, d.camera))?.delete(d.objectId);
      return;
    }
    if (this.ended.has(id)) return; // nothing comes after an end
    this.put(node, d.camera, { objectId: d.objectId, label: d.label, score: d.score, box: d.box, zones: d.zones });
  }

  private put(node: string, camera: string, o: OpenObject): void {
    const key = cameraKey(node, camera);
    let cam = this.cameras.get(key);
    if (!cam) this.cameras.set(key, (cam = new Map()));
    cam.set(o.objectId, o);
  }
}
