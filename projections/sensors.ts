import { hlcWall } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import type { SmolEvent } from '../core/events/event.js';
import type { Emit, Projection, ProjectionStore } from '../core/projection/projection.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

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
  /** The open (newest) rollup buckets; closed ones are records. */
  minute: Bucket | null;
  hour: Bucket | null;
}

/** Sensors state: origin → source → series. Plain objects, so it survives a JSON checkpoint. */
export interface SensorsState {
  readonly origins: Record<string, Record<string, SourceState>>;
}

type SourceMeta = Pick<SourceState, 'unit' | 'label' | 'simulated'>;

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

type Resolution = 'm' | 'h';

/** Latest value per source and minute/hour rollups, from `reading.sampled` and `source.registered`. */
export const sensorsProjection: Projection<SensorsState> = {
  name: 'sensors',
  version: 1,
  handles: ['reading.sampled', 'source.registered'],
  initial: () => ({ origins: {} }),
  apply(state, event, emit) {
    // A newer version written by a newer peer is stored but not understood here: ignore it.
    if (event.v !== 1) return state;
    switch (event.type) {
      case 'reading.sampled':
        applyReading(state, event as SmolEvent<string, EventDataMap['reading.sampled']>, emit);
        break;
      case 'source.registered':
        applyRegistration(state, event.origin, event.data as EventDataMap['source.registered']);
        break;
      default:
        break;
    }
    return state;
  },
};

function applyReading(state: SensorsState, event: SmolEvent<string, EventDataMap['reading.sampled']>, emit: Emit): void {
  const t = hlcWall(event.hlc);
  const minuteStart = t - (t % MINUTE);
  const hourStart = t - (t % HOUR);
  const sources = originOf(state, event.origin);
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
    s.minute = roll(s.minute, minuteStart, value, 'm', event, source, emit);
    s.hour = roll(s.hour, hourStart, value, 'h', event, source, emit);
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
}

/**
 * Adds one value to the open bucket of a series. A value for a later bucket closes the open one
 * into a record; a value for an earlier bucket (a late event) becomes a partial record of its own,
 * keyed after the closed record of that start, so nothing already written is overwritten.
 */
function roll(open: Bucket | null, start: number, value: number, res: Resolution, event: SmolEvent, source: string, emit: Emit): Bucket {
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
    return fresh;
  }
  emit(`${prefix}${pad(start)}/${event.seq}`, fresh);
  return open;
}

/** The latest value of every source that has been read, optionally of one origin, sorted by origin and source. */
export function latestReadings(state: SensorsState, query: { origin?: string } = {}): LatestReading[] {
  const out: LatestReading[] = [];
  for (const [origin, source, s] of series(state, query.origin)) {
    if (s.value === null || s.at === null) continue;
    out.push({ origin, source, value: s.value, at: s.at, unit: s.unit, label: s.label, simulated: s.simulated });
  }
  return out;
}

/** Every known source (registered or read), sorted by origin and source. */
export function sourceList(state: SensorsState): SourceInfo[] {
  return series(state).map(([origin, source, s]) => {
    const { unit, label, provider, simulated, count, at: lastAt } = s;
    return { origin, source, unit, label, provider, simulated, count, lastAt };
  });
}

/** Minute or hour buckets of one series in time order, merging closed records, late partials and the open bucket. */
export async function readingHistory(
  state: SensorsState,
  store: Pick<ProjectionStore, 'records'>,
  query: HistoryQuery,
): Promise<HistoryPoint[]> {
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
  return { value: null, at: null, count: 0, unit: null, label: null, provider: null, simulated: false, minute: null, hour: null };
}

function originOf(state: SensorsState, origin: string): Record<string, SourceState> {
  return own(state.origins, origin) ?? put(state.origins, origin, {});
}

// Source names come from config and MQTT topics: a name like "__proto__" must stay an own key.
function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function put<T>(obj: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** Record key prefix of a series; '/' and '%' in names are escaped so one source's range never holds another's. */
function seriesPrefix(res: Resolution, origin: string, source: string): string {
  return `${res}/${escapeKey(origin)}/${escapeKey(source)}/`;
}

function escapeKey(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('/', '%2F');
}

function pad(ms: number): string {
  return String(ms).padStart(13, '0');
}
