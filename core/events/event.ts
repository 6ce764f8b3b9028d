import type { Hlc } from '../clock/hlc.js';

/**
 * An event: plain, immutable data. `(origin, seq)` is its identity everywhere; `prev` is the hash
 * of the previous event of the same origin, so every origin's feed is a hash chain.
 */
export interface SmolEvent<T extends string = string, D = unknown> {
  readonly id: string;
  readonly origin: string;
  readonly seq: number;
  readonly hlc: Hlc;
  readonly type: T;
  readonly v: number;
  readonly data: D;
  /** Hex sha-256 of the previous event of this origin; 64 zeros for the first. */
  readonly prev: string;
}

/** What a caller hands the journal: the journal stamps origin, seq, hlc and prev. */
export interface EventDraft<T extends string = string, D = unknown> {
  readonly type: T;
  readonly v?: number;
  readonly data: D;
}

/** An event at its place in this node's log (local arrival order). */
export interface JournalEntry<E extends SmolEvent = SmolEvent> {
  readonly position: number;
  readonly event: E;
}

export const GENESIS_PREV = '0'.repeat(64);

/** The event id for an origin and sequence number. */
export function eventId(origin: string, seq: number): string {
  return `${origin}:${seq}`;
}
