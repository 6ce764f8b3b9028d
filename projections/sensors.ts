import { hlcWall } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import type { Emit, ProjectionStore } from '../core/projection/projection.js';
import { defineProjection, exhaustive, type EventOf } from '../core/projection/define-projection.js';
import { HOUR, MINUTE, own, pad, put, seriesPrefix, type Resolution } from './sensor-keys.js';
import { advanceWindow, beforeMinuteWindow, keepMinute } from './sensor-minute-retention.js';

export { minuteWindowStart } from './sensor-minute-retention.js';

const DAY = 24 * HOUR;

/** Minute buckets are kept this many days by default; hour buckets for ever (short- vs long-term statistics). */
export const DEFAULT_MINUTE_RETENTION_DAYS = 30;

/** Aggregate of the readings of one series over the minute or hour that begins at `start` (ms, UTC). */
export interface Bucket {
  start: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** What the projection keeps in memory for one (origin, source); null where nothing is known yet. */
export interface SourceState {
  value: number | null;
  at: number | null;
  count: number;
  unit: string | null;
  label: string | null;
  provider: string | null;
  simulated: boolean;
  /** From source.registered v2 (issue 12); absent in state checkpointed before it, until the next registration. */
  deviceClass?: string | null;
  device?: string | null;
  platform?: string | null;
  binary?: boolean;
  /** The open (newest) rollup buckets; closed ones are records. */
  minute: Bucket | null;
  hour: Bucket | null;
  /**
   * The closed minute records written and not yet aged out, as runs [first, last] of consecutive
   * bucket starts, and the late partial ones as [start, seq]: retention deletes them by key
   * without reading the store back.
   */
  minutes: Array<[number, number]>;
  lateMinutes: Array<[number, number]>;
}

/**
 * The minute window of one origin, in its own event time: minute buckets starting before `from`
 * are deleted; `first` is the first minute it was read, so a window that has not cut anything yet
 * is told apart from one that has.
 */
export interface MinuteWindow {
  from: number;
  first: number;
}

/** Sensors state: origin → source → series. Plain objects, so it survives a JSON checkpoint. */
export interface SensorsState {
  readonly origins: Record<string, Record<string, SourceState>>;
  /** Origin → its minute window. */
  readonly minuteWindows: Record<string, MinuteWindow>;
}

interface SourceMeta extends Pick<SourceState, 'unit' | 'label' | 'simulated'> {
  /** Home Assistant device class, device and platform of a YAML-declared device's source (else null). */
  deviceClass: string | null;
  device: string | null;
  platform: string | null;
  /** 0/1 values: an on/off timeline. */
  binary: boolean;
}

function metaOf(s: SourceState): SourceMeta {
  return { unit: s.unit, label: s.label, simulated: s.simulated, deviceClass: s.deviceClass ?? null, device: s.device ?? null, platform: s.platform ?? null, binary: s.binary ?? false };
}

/** The latest reading of one source. */
export interface LatestReading extends SourceMeta {
  origin: string;
  source: string;
  value: number;
  at: number;
}

/** A source known to the projection, registered or merely read. */
export interface SourceInfo extends SourceMeta {
  origin: string;
  source: string;
  provider: string | null;
  count: number;
  lastAt: number | null;
}

/** One point of a history: a minute or hour bucket. */
export interface HistoryPoint {
  start: number;
  min: number;
  max: number;
  mean: number;
  count: number;
}

/** Which series and which time range `readingHistory` reads; buckets starting in [from, to) ms. */
export interface HistoryQuery {
  origin: string;
  source: string;
  from?: number;
  to?: number;
  resolution: 'minute' | 'hour';
}

/** A history answer: the resolution it was read at (hours when the range reaches before the minute window) and its points. */
export interface HistoryAnswer {
  resolution: 'minute' | 'hour';
  points: HistoryPoint[];
}

/** How the sensors projection is built: `minuteRetentionDays` is config `sensors.minuteRetentionDays`. */
export interface SensorsOptions {
  readonly minuteRetentionDays?: number;
}

/**
 * Latest value per source and minute/hour rollups, from `reading.sampled` and `source.registered`.
 * Minute buckets older than `minuteRetentionDays` (in each origin's own event time) are deleted as
 * they age; hour buckets are kept for ever. Throws TypeError for a retention that is not a positive number.
 */
export function createSensorsProjection(options: SensorsOptions = {}) {
  const days = options.minuteRetentionDays ?? DEFAULT_MINUTE_RETENTION_DAYS;
  if (!Number.isFinite(days) || days <= 0) throw new TypeError(`minuteRetentionDays must be a positive number, not ${days}`);
  // Whole minutes, so a window boundary is always a bucket boundary.
  const retentionMs = Math.max(1, Math.round((days * DAY) / MINUTE)) * MINUTE;
  return defineProjection({
    name: 'sensors',
    // 2: minute retention (the minute records written are tracked in state).
    version: 2,
    handles: ['reading.sampled', 'source.registered'],
    initial: (): SensorsState => ({ origins: {}, minuteWindows: {} }),
    evolve(state, event, emit) {
      switch (event.type) {
        case 'reading.sampled':
          applyReading(state, event, emit, retentionMs);
          return state;
        case 'source.registered':
          applyRegistration(state, event.origin, event.data);
          return state;
        default:
          return exhaustive(event, state);
      }
    },
  });
}

/** The sensors projection with the default minute retention. */
export const sensorsProjection = createSensorsProjection();

function applyReading(state: SensorsState, event: EventOf<'reading.sampled'>, emit: Emit, retentionMs: number): void {
  const t = hlcWall(event.hlc);
  const minuteStart = t - (t % MINUTE);
  const hourStart = t - (t % HOUR);
  const sources = originOf(state, event.origin);
  const window = advanceWindow(state, event.origin, sources, minuteStart - retentionMs, minuteStart, emit);
  const values = event.data.values;
  for (const source in values) {
    const value = values[source];
    if (value === undefined) continue;
    const s = own(sources, source) ?? put(sources, source, emptySource());
    // A late reading counts, but does not replace a newer latest value.
    if (s.at === null || t >= s.at) {
      s.value = value;
      s.at = t;
    }
    s.count += 1;
    // A late reading from before the window would only write what retention deletes.
    if (minuteStart >= window.from) s.minute = roll(s.minute, minuteStart, value, 'm', event, source, emit, s);
    s.hour = roll(s.hour, hourStart, value, 'h', event, source, emit, null);
  }
}

function applyRegistration(state: SensorsState, origin: string, data: EventDataMap['source.registered']): void {
  const sources = originOf(state, origin);
  const s = own(sources, data.source) ?? put(sources, data.source, emptySource());
  // The newest registration describes the source; fields it leaves out are unknown again.
  s.unit = data.unit ?? null;
  s.label = data.label ?? null;
  s.provider = data.provider;
  s.simulated = data.simulated;
  s.deviceClass = data.deviceClass ?? null;
  s.device = data.device ?? null;
  s.platform = data.platform ?? null;
  s.binary = data.binary;
}

/**
 * Adds one value to the open bucket of a series. A value for a later bucket closes the open one
 * into a record; a value for an earlier bucket (a late event) becomes a partial record of its own,
 * keyed after the closed record of that start, so nothing already written is overwritten.
 */
function roll(open: Bucket | null, start: number, value: number, res: Resolution, event: EventOf<'reading.sampled'>, source: string, emit: Emit, tracked: SourceState | null): Bucket {
  if (open !== null && start === open.start) {
    if (value < open.min) open.min = value;
    if (value > open.max) open.max = value;
    open.sum += value;
    open.count += 1;
    return open;
  }
  const fresh: Bucket = { start, min: value, max: value, sum: value, count: 1 };
  if (open === null) return fresh;
  const prefix = seriesPrefix(res, event.origin, source);
  if (start > open.start) {
    // The closed object leaves state here, so handing it to emit cannot alias later mutation.
    emit(prefix + pad(open.start), open);
    if (tracked !== null) keepMinute(tracked.minutes, open.start);
    return fresh;
  }
  emit(`${prefix}${pad(start)}/${event.seq}`, fresh);
  if (tracked !== null) tracked.lateMinutes.push([start, event.seq]);
  return open;
}

/** The latest value of every source that has been read, optionally of one origin, sorted by origin and source. */
export function latestReadings(state: SensorsState, query: { origin?: string } = {}): LatestReading[] {
  const out: LatestReading[] = [];
  for (const [origin, source, s] of series(state, query.origin)) {
    if (s.value === null || s.at === null) continue;
    out.push({ origin, source, value: s.value, at: s.at, ...metaOf(s) });
  }
  return out;
}

/** Every known source (registered or read), sorted by origin and source. */
export function sourceList(state: SensorsState): SourceInfo[] {
  return series(state).map(([origin, source, s]) => {
    return { origin, source, ...metaOf(s), provider: s.provider, count: s.count, lastAt: s.at };
  });
}

/**
 * Minute or hour buckets of one series in time order, merging closed records, late partials and the
 * open bucket. A minute query whose range starts before the origin's minute window (once that
 * window has cut anything) is answered from hour buckets, and the answer says so.
 */
export async function sensorHistory(state: SensorsState, store: Pick<ProjectionStore, 'records'>, query: HistoryQuery): Promise<HistoryAnswer> {
  const resolution = query.resolution === 'minute' && beforeMinuteWindow(state, query.origin, query.from ?? 0) ? 'hour' : query.resolution;
  return { resolution, points: await buckets(state, store, { ...query, resolution }) };
}

/** The points of `sensorHistory` (hours when the range reaches before the minute window). */
export async function readingHistory(state: SensorsState, store: Pick<ProjectionStore, 'records'>, query: HistoryQuery): Promise<HistoryPoint[]> {
  return (await sensorHistory(state, store, query)).points;
}

async function buckets(state: SensorsState, store: Pick<ProjectionStore, 'records'>, query: HistoryQuery): Promise<HistoryPoint[]> {
  const res: Resolution = query.resolution === 'hour' ? 'h' : 'm';
  const width = res === 'h' ? HOUR : MINUTE;
  const from = Math.max(0, query.from ?? 0);
  const lower = from - (from % width);
  const to = query.to ?? Number.POSITIVE_INFINITY;
  const prefix = seriesPrefix(res, query.origin, query.source);
  // '~' sorts after every digit, so it bounds all keys of the series.
  const lt = Number.isFinite(to) ? prefix + pad(Math.ceil(to)) : `${prefix}~`;
  const byStart = new Map<number, Bucket>();
  for await (const [, value] of store.records({ gte: prefix + pad(lower), lt })) merge(byStart, value as Bucket);
  const s = own(own(state.origins, query.origin) ?? {}, query.source);
  const open = res === 'h' ? s?.hour : s?.minute;
  if (open && open.start >= lower && open.start < to) merge(byStart, open);
  return [...byStart.values()]
    .sort((a, b) => a.start - b.start)
    .map((b) => ({ start: b.start, min: b.min, max: b.max, mean: b.sum / b.count, count: b.count }));
}

function merge(byStart: Map<number, Bucket>, b: Bucket): void {
  const seen = byStart.get(b.start);
  if (!seen) {
    byStart.set(b.start, { ...b }); // copy: the store or the state may hand out its own object
    return;
  }
  seen.min = Math.min(seen.min, b.min);
  seen.max = Math.max(seen.max, b.max);
  seen.sum += b.sum;
  seen.count += b.count;
}

function series(state: SensorsState, only?: string): [string, string, SourceState][] {
  const out: [string, string, SourceState][] = [];
  for (const origin of Object.keys(state.origins).sort()) {
    if (only !== undefined && origin !== only) continue;
    const sources = state.origins[origin] ?? {};
    for (const source of Object.keys(sources).sort()) out.push([origin, source, sources[source]!]);
  }
  return out;
}

function emptySource(): SourceState {
  return { value: null, at: null, count: 0, unit: null, label: null, provider: null, simulated: false, minute: null, hour: null, minutes: [], lateMinutes: [] };
}

function originOf(state: SensorsState, origin: string): Record<string, SourceState> {
  return own(state.origins, origin) ?? put(state.origins, origin, {});
}
