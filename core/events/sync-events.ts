import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';

const count = z.number().int().min(0);
const vector = z.record(z.string().min(1), count);

/** One exchange with a peer that moved events (HTTP round or USB import/export). */
export const SyncCompleted = z.object({
  /** The peer's node id. */
  peer: z.string().min(1),
  peerName: z.string().nullable(),
  via: z.enum(['http', 'usb']),
  /** Events sent to and received from the peer. */
  sent: count,
  received: count,
  bytesSent: count,
  bytesReceived: count,
  /** What the peer is known to hold after the exchange. */
  peerVector: vector,
  durationMs: count,
  /** The peer's wall clock minus ours, measured over HTTP (null when unknown). */
  clockOffsetMs: z.number().nullable(),
});

/** A sync attempt that failed; journaled when a peer starts failing or fails differently. */
export const SyncFailed = z.object({
  peer: z.string().nullable(),
  peerName: z.string().nullable(),
  via: z.enum(['http', 'usb']),
  code: z.string().min(1),
  message: z.string(),
  /** Consecutive failures so far. */
  attempts: z.number().int().min(1),
});

const hash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A trusted peer delivered an event we hold with other bytes (an altered or forked feed); the
 * segment was refused whole. Journaled once per (peer, event id), so a hostile peer cannot flood.
 */
export const SyncConflictDetected = z.object({
  /** The node that signed the segment. */
  peer: z.string().min(1),
  peerName: z.string().nullable(),
  via: z.enum(['http', 'usb']),
  /** The first event of the segment that differs from ours, and the two hashes. */
  eventId: z.string().min(1),
  origin: z.string().min(1),
  seq: z.number().int().min(1),
  ours: hash,
  theirs: hash,
});

/**
 * Events of `origin` arrived stamped further ahead of our clock than clock.maxOffsetMs (they are
 * stored and forwarded, but do not move our clock). Journaled when an origin crosses the limit,
 * not again until it has come back under it (clock.skew.cleared) and crossed again.
 */
export const ClockSkewDetected = z.object({
  origin: z.string().min(1),
  /** How far the origin's newest timestamp was ahead of our clock when we received it (ms). */
  aheadMs: z.number(),
  remoteHlc: z.string().regex(/^[0-9a-f]{16}$/),
  maxOffsetMs: z.number().int().min(0),
});

/** Events of an origin that was skewed arrive within clock.maxOffsetMs again. */
export const ClockSkewCleared = z.object({
  origin: z.string().min(1),
  aheadMs: z.number(),
});

export const syncEventSpecs: EventTypeSpec[] = [
  { type: 'sync.completed', v: 1, schema: SyncCompleted },
  { type: 'sync.failed', v: 1, schema: SyncFailed },
  { type: 'sync.conflict.detected', v: 1, schema: SyncConflictDetected },
  { type: 'clock.skew.detected', v: 1, schema: ClockSkewDetected },
  { type: 'clock.skew.cleared', v: 1, schema: ClockSkewCleared },
];

declare module './core-events.js' {
  interface EventDataMap {
    'sync.completed': z.infer<typeof SyncCompleted>;
    'sync.failed': z.infer<typeof SyncFailed>;
    'sync.conflict.detected': z.infer<typeof SyncConflictDetected>;
    'clock.skew.detected': z.infer<typeof ClockSkewDetected>;
    'clock.skew.cleared': z.infer<typeof ClockSkewCleared>;
  }
}

export type SyncCompletedData = z.infer<typeof SyncCompleted>;
export type SyncFailedData = z.infer<typeof SyncFailed>;
export type SyncConflictDetectedData = z.infer<typeof SyncConflictDetected>;
export type ClockSkewDetectedData = z.infer<typeof ClockSkewDetected>;
export type ClockSkewClearedData = z.infer<typeof ClockSkewCleared>;
