import { z } from 'zod';
import type { JournalEntry } from '../../core/events/event.js';
import { VisionDetected } from '../../core/events/vision-events.js';
import { hlcWall } from '../../core/clock/hlc.js';
import type { VisionService } from '../../core/vision/vision-service.js';
import { readJsonFileAs, writeJsonFile } from '../sync/json-file.js';
import type { OutMessage } from './publisher.js';
import type { StreamExtension, StreamSend } from './stream-extension.js';
import type { DiscoveryNode } from './ha-discovery.js';
import { topicsOf, type Topics } from './topics.js';
import { applyDetected, countOf, trackedOf, type OpenVisionObject, type TrackedObjects } from './vision-frigate.js';
import { visionDiscoveryOf, visionRetainedTopicsOf, visionTopicsOf, type VisionCameraEntity, type VisionTopics } from './vision-discovery.js';

type QoS = 0 | 1 | 2;

export interface VisionStreamOptions {
  readonly node: DiscoveryNode;
  readonly prefix: string;
  readonly discoveryPrefix: string;
  /** Home Assistant discovery on: the entities' configs are among the retained topics this stream owns. */
  readonly discovery: boolean;
  /** Configured cameras and their labels of interest (none when vision is off). */
  readonly cameras: readonly VisionCameraEntity[];
  /** QoS of the Frigate-style events (the stream's). */
  readonly qos: QoS;
  /** QoS of the retained counts, occupancy and snapshots. */
  readonly retainedQos: QoS;
  readonly discoveryQos: QoS;
  /** The objects open now (the `vision` projection of this node), read once at start; absent = none. */
  readonly currentOpen?: (() => Promise<readonly OpenVisionObject[]>) | undefined;
  /** The running vision unit, looked up when a snapshot is to be sent (it starts after MQTT). */
  readonly service: () => VisionService | undefined;
  /** Where the retained topics of the last run are listed (in the data dir), to clear removed cameras. */
  readonly entitiesPath: string;
  /** How often the cameras' latest snapshots are looked at (a `look` stores one without an event); 0 = only on events. */
  readonly snapshotPollMs?: number;
  /** How long the open objects may take at start before counts start from the events alone. */
  readonly seedTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

const Entities = z.object({ topics: z.array(z.string()) });

interface SnapshotState {
  published?: string;
  wanted?: string;
  /** A hash the vision unit did not have (evicted): not asked for again. */
  missing?: string;
  busy: boolean;
}

/**
 * Vision on MQTT (issue 13): a Frigate-style message on `<prefix>/<node>/vision/events` for every
 * `vision.detected` this node journaled, retained occupancy counts per camera and label of
 * interest, the latest snapshot JPEG per camera, and their Home Assistant entities. Counts start
 * from the objects open at start (the projection), so a restart with a person in view still says 1.
 * Entities of cameras or labels removed from the config are cleared (empty retained messages).
 */
export class VisionStream implements StreamExtension {
  private readonly topics: Topics;
  private readonly vision: VisionTopics;
  private readonly labels: ReadonlyMap<string, ReadonlySet<string>>;
  private tracked: TrackedObjects = new Map();
  private readonly sentCounts = new Map<string, number>();
  private readonly snapshots = new Map<string, SnapshotState>();
  private send: StreamSend | undefined;
  private readonly seeding: Promise<void>;
  private seeded = false;
  private closed = false;
  private wakeClose: (() => void) | undefined;
  private readonly closing = new Promise<void>((resolve) => (this.wakeClose = resolve));
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly current: readonly string[];
  /** Retained topics of an earlier run that this config no longer has; cleared at each connect until written down. */
  private stale: readonly string[];
  private written: boolean;

  private constructor(
    private readonly o: VisionStreamOptions,
    previous: readonly string[] | undefined,
  ) {
    this.topics = topicsOf(o.prefix, o.node.name, o.discoveryPrefix);
    this.vision = visionTopicsOf(o.prefix, o.node.name);
    this.labels = new Map(o.cameras.map((c) => [c.name, new Set(c.labels)]));
    this.current = visionRetainedTopicsOf(o.cameras, this.topics, this.vision, o.discovery);
    const keep = new Set(this.current);
    this.stale = (previous ?? []).filter((t) => !keep.has(t));
    // Nothing to write down when the list on disk is already this one (or there never was vision here).
    this.written = previous === undefined ? this.current.length === 0 : this.stale.length === 0 && previous.length === this.current.length;
    this.seeding = this.seed();
  }

  /** Reads what the last run announced (a damaged list is logged and treated as none). */
  static async open(o: VisionStreamOptions): Promise<VisionStream> {
    const previous = await readJsonFileAs(o.entitiesPath, Entities, 'MQTT vision entities').catch((err: unknown) => {
      // The code leads, as in the stream's other logs: a damaged list is SMOL_FILE_CORRUPT (or SMOL_FILE_PERMISSIONS).
      const code = (err as { code?: unknown }).code;
      o.log?.(`mqtt: vision: ${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message}; entities of removed cameras may stay in Home Assistant`);
      return undefined;
    });
    return new VisionStream(o, previous?.topics);
  }

  /** Objects open now, by camera (what the counts say). */
  get open(): TrackedObjects {
    return this.tracked;
  }

  attach(send: StreamSend): void {
    this.send = send;
    const ms = this.o.snapshotPollMs ?? 5000;
    if (ms > 0 && this.o.cameras.length > 0) {
      this.pollTimer = setInterval(() => this.pollSnapshots(), ms);
      this.pollTimer.unref();
    }
  }

  private async seed(): Promise<void> {
    if (!this.o.currentOpen) return void (this.seeded = true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeoutMs = this.o.seedTimeoutMs ?? 30_000;
    try {
      const open = await Promise.race([
        this.o.currentOpen(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not known within ${timeoutMs} ms`)), timeoutMs))),
        this.closing.then(() => [] as const),
      ]);
      this.tracked = trackedOf(this.o.node.name, open);
    } catch (err) {
      this.o.log?.(`mqtt: vision: the objects open at start are unknown (${(err as Error).message}); counts follow the events from here`);
    } finally {
      clearTimeout(timer);
      this.seeded = true;
    }
  }

  async prepare(entries: readonly JournalEntry[]): Promise<void> {
    if (this.seeded || !entries.some((e) => e.event.type === 'vision.detected')) return;
    await this.seeding;
  }

  messagesOf(entry: JournalEntry, own: boolean): OutMessage[] {
    const { event } = entry;
    if (!own || event.type !== 'vision.detected') return [];
    // A newer version (written by a newer build before a downgrade) or damaged data is skipped and said.
    const parsed = event.v === 1 ? VisionDetected.safeParse(event.data) : undefined;
    if (!parsed?.success) {
      this.o.log?.(`mqtt: vision: SMOL_EVENT_INVALID: event ${event.id} (vision.detected v${event.v}) is not one this version reads; not published on ${this.vision.events}`);
      return [];
    }
    const d = parsed.data;
    try {
      const atMs = hlcWall(event.hlc);
      const frigate = applyDetected(this.tracked, this.o.node.name, d, Number.isFinite(atMs) ? atMs : d.startedAtMs);
      const out: OutMessage[] = [{ topic: this.vision.events, payload: JSON.stringify(frigate), qos: this.o.qos, retain: false }];
      if (this.labels.get(d.camera)?.has(d.label)) out.push(...this.countMessages(d.camera, d.label, false));
      if (d.snapshot && this.labels.has(d.camera)) this.wantSnapshot(d.camera, d.snapshot);
      return out;
    } catch (err) {
      this.o.log?.(`mqtt: vision: event ${event.id} not published: ${(err as Error).message}`);
      return [];
    }
  }

  /** The count and occupancy of one camera and label, when they changed since last sent (or always). */
  private countMessages(camera: string, label: string, always: boolean): OutMessage[] {
    const n = countOf(this.tracked, camera, label);
    const topic = this.vision.count(camera, label);
    if (!always && this.sentCounts.get(topic) === n) return [];
    this.sentCounts.set(topic, n);
    const qos = this.o.retainedQos;
    return [
      { topic, payload: String(n), qos, retain: true },
      { topic: this.vision.occupancy(camera, label), payload: n > 0 ? 'ON' : 'OFF', qos, retain: true },
    ];
  }

  announce(): void {
    for (const m of visionDiscoveryOf(this.o.cameras, this.o.node, this.topics, this.vision)) this.sendOut(m.topic, m.payload, this.o.discoveryQos);
  }

  connected(): void {
    void this.seeding.then(() => {
      if (this.closed) return;
      for (const c of this.o.cameras) for (const label of c.labels) for (const m of this.countMessages(c.name, label, true)) this.sendOut(m.topic, m.payload, m.qos);
      void this.clearStale();
      for (const [camera, s] of this.snapshots) {
        // The broker may have lost it: send the newest again.
        if (s.published && !s.wanted) s.wanted = s.published;
        s.published = undefined;
        void this.pumpSnapshot(camera);
      }
    });
  }

  /** Clears what an earlier run announced and this config has not, then writes down what this run owns. */
  private async clearStale(): Promise<void> {
    if (this.written || !this.send) return;
    const stale = this.stale;
    const send = this.send;
    try {
      await Promise.all(stale.map((t) => send(t, '', { qos: this.o.discoveryQos, retain: true })));
      await writeJsonFile(this.o.entitiesPath, { topics: this.current });
      this.written = true;
      this.stale = [];
      if (stale.length > 0) this.o.log?.(`mqtt: vision: cleared ${stale.length} retained topics of cameras or labels no longer configured`);
    } catch (err) {
      if (!this.closed) this.o.log?.(`mqtt: vision: retained topics of removed cameras not cleared yet (${(err as Error).message}); again at the next connect`);
    }
  }

  private sendOut(topic: string, payload: string | Buffer, qos: QoS): void {
    this.send?.(topic, payload, { qos, retain: true }).catch((err: unknown) => {
      if (!this.closed) this.o.log?.(`mqtt: ${topic} not sent: ${(err as Error).message}`);
    });
  }

  private snapshotOf(camera: string): SnapshotState {
    let s = this.snapshots.get(camera);
    if (!s) this.snapshots.set(camera, (s = { busy: false }));
    return s;
  }

  private wantSnapshot(camera: string, sha256: string): void {
    const s = this.snapshotOf(camera);
    if (s.published === sha256 || s.missing === sha256) return;
    s.wanted = sha256;
    void this.pumpSnapshot(camera);
  }

  /** Sends the camera's wanted snapshot, one at a time per camera; the newest wanted wins. */
  private async pumpSnapshot(camera: string): Promise<void> {
    const s = this.snapshotOf(camera);
    const send = this.send;
    if (s.busy || !send) return;
    s.busy = true;
    let sha256: string | undefined;
    try {
      while (!this.closed && s.wanted && s.wanted !== s.published) {
        sha256 = s.wanted;
        // The vision unit starts after MQTT: until it runs, the poll (or the next event) tries again.
        const service = this.o.service();
        if (!service) break;
        const bytes = await service.snapshot(sha256, 'image');
        if (s.wanted === sha256) s.wanted = undefined;
        if (!bytes) {
          s.missing = sha256;
          continue;
        }
        await send(this.vision.snapshot(camera), bytes, { qos: this.o.retainedQos, retain: true });
        s.published = sha256;
      }
    } catch (err) {
      // Not asked for again (a newer snapshot is): one log line, not one every poll.
      if (sha256 && s.wanted === sha256) s.wanted = undefined;
      if (sha256) s.missing = sha256;
      if (!this.closed) this.o.log?.(`mqtt: vision: the snapshot of camera ${camera} not sent: ${(err as Error).message}`);
    } finally {
      s.busy = false;
    }
  }

  private pollSnapshots(): void {
    const service = this.o.service();
    if (!service) return;
    let cameras;
    try {
      cameras = service.cameras();
    } catch {
      return;
    }
    for (const c of cameras) if (c.latestSnapshot && this.labels.has(c.name)) this.wantSnapshot(c.name, c.latestSnapshot);
    for (const [camera, s] of this.snapshots) if (s.wanted && !s.busy) void this.pumpSnapshot(camera);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeClose?.();
    clearInterval(this.pollTimer);
    await this.seeding;
  }
}
