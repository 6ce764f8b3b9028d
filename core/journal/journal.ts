import type { ErrorCode } from '../errors.js';
import type { Hlc } from '../clock/hlc.js';
import type { EventDraft, JournalEntry, SmolEvent } from '../events/event.js';
import type { EventDataMap, EventType } from '../events/core-events.js';
import type { ProjectionStore } from '../projection/projection.js';
import type { FeedBasis } from './basis/feed-basis.js';

/** The newest event of one origin this node holds. */
export interface OriginHead {
  readonly seq: number;
  readonly hash: string;
  readonly hlc: Hlc;
  /** For another origin's head: our physical time (ms) when we ingested it, so "last seen" does not trust the origin's clock. */
  readonly receivedAt?: number;
  /** Set while the origin's newest timestamp was more than clock.maxOffsetMs ahead of us when received (ms ahead). */
  readonly aheadMs?: number;
}

/** origin → highest contiguous seq held. What a peer lacks is exactly (theirs[o], mine[o]]. */
export type VersionVector = Record<string, number>;

export interface ReadOptions {
  /** First position to read (inclusive, default 1). */
  readonly fromPosition?: number;
  /** Last position to read (inclusive). */
  readonly toPosition?: number;
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly types?: readonly string[];
  readonly origins?: readonly string[];
}

export interface SubscribeOptions {
  /** First position to deliver (inclusive). Default: the next one appended (live only). */
  readonly fromPosition?: number;
  readonly types?: readonly string[];
  readonly origins?: readonly string[];
  /** Most entries per delivered batch (default 512). */
  readonly batchSize?: number;
  /** Also call the handler when a scanned range had no matching entry (to track progress). */
  readonly emptyBatches?: boolean;
}

/** A live subscription: catches up from its start position, then follows appends. */
export interface Subscription {
  /** The last position delivered (0 before the first). */
  readonly position: number;
  /** Resolves when closed; rejects if the handler threw. */
  readonly done: Promise<void>;
  close(): void;
}

/** One event in its transport form: origin plus the exact body bytes its hash covers. */
export interface RawEvent {
  readonly origin: string;
  readonly body: Buffer;
  /**
   * `hashBody(origin, body)`, when the caller has computed it and checked that the body decodes,
   * data included (the segment reader and verifier do both). The journal then takes it as given and
   * does not parse the data; its own chain and contiguity checks still run.
   */
  readonly hash?: string;
}

/** One stored event of an origin as bytes, not decoded (export reads millions of these). */
export interface RawOriginEvent {
  readonly seq: number;
  /** The exact body the event's hash covers. */
  readonly body: Buffer;
}

export interface IngestResult {
  readonly applied: number;
  /** Events we already had (idempotent re-import). */
  readonly duplicates: number;
}

/**
 * The journal port: an append-only, group-committed event log with per-origin hash chains.
 * `append` resolves only once its batch is durable (written with sync).
 */
export interface Journal {
  readonly nodeId: string;
  readonly publicKey: string;

  /** Appends local events; throws SMOL_JOURNAL_CLOSED, SMOL_JOURNAL_WRITE_FAILED. */
  append(drafts: readonly EventDraft[]): Promise<JournalEntry[]>;
  /** Appends one typed local event. */
  appendOne<T extends EventType>(type: T, data: EventDataMap[T]): Promise<JournalEntry<SmolEvent<T, EventDataMap[T]>>>;
  /**
   * Stores events of another origin, verbatim. All-or-nothing per call: each event must continue
   * its origin's chain (SMOL_SEGMENT_GAP, SMOL_CHAIN_BROKEN); ones we already hold are skipped
   * when identical and rejected with SMOL_SEGMENT_CONFLICT when not.
   */
  ingest(events: readonly RawEvent[]): Promise<IngestResult>;
  /** Appends a signed `feed.sealed` over our current head, if anything is unsealed. */
  seal(): Promise<JournalEntry | undefined>;
  /** Writes readings held for the readings window now; resolves when durable (journal-writer.ts). */
  flush?(): Promise<void>;
  /** How long a readings-only append may wait to share a synced batch (ms; 0 or absent: it does not). */
  readonly readingsWindowMs?: number;

  /** The last durable position (0 when empty). */
  lastPosition(): number;
  heads(): ReadonlyMap<string, OriginHead>;
  vector(): VersionVector;
  read(options?: ReadOptions): AsyncIterable<JournalEntry>;
  /** Events of one origin by seq, with their bodies (for export and verification). */
  readOrigin(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<{ position: number; event: SmolEvent; body: Buffer }>;
  /**
   * Events of one origin by seq, up to its durable head, as stored bytes without decoding their
   * data (export). Throws SMOL_JOURNAL_CORRUPT when the stored feed is not contiguous.
   */
  readOriginRaw(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<RawOriginEvent>;
  get(origin: string, seq: number): Promise<JournalEntry | undefined>;
  getAt(position: number): Promise<JournalEntry | undefined>;
  subscribe(options: SubscribeOptions, onBatch: (entries: JournalEntry[], scannedTo: number) => void | Promise<void>): Subscription;

  projectionStore(name: string): ProjectionStore;
  close(): Promise<void>;

  /** Why writes are refused right now (SMOL_DISK_FULL, SMOL_JOURNAL_WRITE_FAILED), if they are (write-guard.ts). */
  writeFault?(): { readonly code: ErrorCode; readonly message: string; readonly sinceMs: number; readonly refused: number } | undefined;
  /** True while free space is below journal.minFreeBytes: low-value writes get SMOL_DISK_LOW. */
  readonly diskLow?: boolean;

  /** Where `origin`'s feed starts when retention dropped its oldest events (core/journal/basis/feed-basis.ts). */
  basis?(origin: string): FeedBasis | undefined;
  /** Every feed basis this journal holds, by origin. */
  bases?(): ReadonlyMap<string, FeedBasis>;
}
