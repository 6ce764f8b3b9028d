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

export const syncEventSpecs: EventTypeSpec[] = [
  { type: 'sync.completed', v: 1, schema: SyncCompleted },
  { type: 'sync.failed', v: 1, schema: SyncFailed },
];

declare module './core-events.js' {
  interface EventDataMap {
    'sync.completed': z.infer<typeof SyncCompleted>;
    'sync.failed': z.infer<typeof SyncFailed>;
  }
}

export type SyncCompletedData = z.infer<typeof SyncCompleted>;
export type SyncFailedData = z.infer<typeof SyncFailed>;
