import { hlcWall } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import type { ProjectionStore } from '../core/projection/projection.js';
import { defineProjection, exhaustive, type EventOf } from '../core/projection/define-projection.js';

/** One observation as listed (its embedding stays in the event; the vector index reads it there). */
export interface ObservationRow {
  id: string;
  origin: string;
  /** Wall ms of the event. */
  at: number;
  text: string;
  kind: EventDataMap['observation.recorded']['kind'];
  confidence: number;
  sources: string[];
  method: EventDataMap['observation.recorded']['method'];
  model: string | null;
  embeddingModel: string;
  window: { fromMs: number; toMs: number };
  /** For vision-llm observations: the camera snapshot described. */
  image?: EventDataMap['observation.recorded']['image'];
}

/** Counts per origin and kind; the rows themselves are records. */
export interface ObservationsState {
  count: number;
  byOrigin: Record<string, { count: number; llm: number; statistical: number; 'vision-llm'?: number; lastAt: number }>;
  byKind: Record<string, number>;
}

export interface ObservationQuery {
  origin?: string;
  kind?: string;
  method?: EventDataMap['observation.recorded']['method'];
  /** Wall ms, inclusive. */
  from?: number;
  /** Wall ms, exclusive. */
  to?: number;
  /** Only rows whose text contains all these words (case-insensitive). */
  text?: string;
  limit?: number;
}

/** Observations by time (newest first on query), with per-origin and per-kind counts. */
export const observationsProjection = defineProjection({
  name: 'observations',
  version: 1,
  handles: ['observation.recorded'],
  initial: (): ObservationsState => ({ count: 0, byOrigin: {}, byKind: {} }),
  evolve(state, event, emit) {
    switch (event.type) {
      case 'observation.recorded': {
        const row = toRow(event);
        emit(observationKey(row.at, event.origin, event.seq), row);
        state.count += 1;
        const o = (state.byOrigin[event.origin] ??= { count: 0, llm: 0, statistical: 0, lastAt: 0 });
        o.count += 1;
        o[row.method] = (o[row.method] ?? 0) + 1;
        o.lastAt = Math.max(o.lastAt, row.at);
        state.byKind[row.kind] = (state.byKind[row.kind] ?? 0) + 1;
        return state;
      }
      default:
        return exhaustive(event.type, state);
    }
  },
});

function toRow(event: EventOf<'observation.recorded'>): ObservationRow {
  const d = event.data;
  return {
    id: event.id, origin: event.origin, at: hlcWall(event.hlc), text: d.text, kind: d.kind, confidence: d.confidence,
    sources: d.sources, method: d.method, model: d.model, embeddingModel: d.embedding.model, window: d.window, ...(d.image ? { image: d.image } : {}),
  };
}

/** Record key: time first, so a range read is a time range. */
export function observationKey(at: number, origin: string, seq: number): string {
  return `t/${String(at).padStart(13, '0')}/${origin}/${String(seq).padStart(10, '0')}`;
}

/** Observations matching the query, newest first. */
export async function listObservations(store: Pick<ProjectionStore, 'records'>, q: ObservationQuery = {}): Promise<ObservationRow[]> {
  const out: ObservationRow[] = [];
  const limit = q.limit ?? 50;
  const words = q.text ? q.text.toLowerCase().split(/\s+/).filter(Boolean) : [];
  const range = {
    gte: `t/${String(Math.max(0, q.from ?? 0)).padStart(13, '0')}`,
    lt: q.to === undefined ? 't/~' : `t/${String(Math.max(0, q.to)).padStart(13, '0')}`,
    reverse: true,
  };
  for await (const [, value] of store.records(range)) {
    const row = value as ObservationRow;
    if (q.origin !== undefined && row.origin !== q.origin) continue;
    if (q.kind !== undefined && row.kind !== q.kind) continue;
    if (q.method !== undefined && row.method !== q.method) continue;
    if (words.length && !words.every((w) => row.text.toLowerCase().includes(w))) continue;
    out.push(row);
    if (out.length >= limit) break;
  }
  return out;
}
