import type { EventRegistry } from '../events/registry.js';
import { decodeBodyType } from '../events/codec.js';
import type { Journal, RawEvent } from '../journal/journal.js';
import { SmolError, ErrorCodes, isSmolError } from '../errors.js';
import { hashBody } from '../events/codec.js';
import { readSegment, type SegmentRecord } from './segment-reader.js';
import { planRanges, resolveHeldHashes, SegmentVerifier, type HeldConflict, type RangePlan } from './segment-verifier.js';
import type { SegmentHeader } from './segment-format.js';
import { adoptBases, describeAdoptions, planBases, type BasisAdoption, type BasisJournal } from './segment-basis.js';

/** Where a segment's bytes come from; called once per pass, so it must be re-readable. */
export type SegmentSource = () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ImportOptions {
  readonly registry: EventRegistry;
  /** This node's cluster: segments of another are refused. */
  readonly cluster: string;
  /** Whether a node (by id and key) may sync with us. The exporter must pass. */
  readonly isTrusted: (nodeId: string) => boolean;
  /** Also require every origin of an applied range to be trusted (default: a trusted exporter vouches for sealed feeds). */
  readonly trustedOriginsOnly?: boolean;
  /** Apply straight from the first pass when at most this many events are new (default 50,000); else read twice. */
  readonly bufferEvents?: number;
  /** Events per journal ingest (one atomic batch; default 5,000, so local appends interleave). */
  readonly batchEvents?: number;
  /** Wall time for the head of a feed started at a basis (default Date.now). */
  readonly now?: () => number;
}

/** What an import did. `code` says why nothing (or not everything) was applied. */
export interface ImportOutcome {
  readonly header: SegmentHeader;
  readonly applied: number;
  /** Ranges we could not apply because they start past our head, with what they wait for. */
  readonly held: ReadonlyArray<{ origin: string; from: number; to: number; have: number }>;
  readonly ranges: readonly RangePlan[];
  /**
   * SMOL_SEGMENT_REPLAYED when we held everything already; SMOL_SEGMENT_GAP when ranges are held;
   * SMOL_JOURNAL_RANGE_DROPPED (a notice: it applied) when feeds now start at the exporter's basis.
   */
  readonly code: typeof ErrorCodes.SEGMENT_REPLAYED | typeof ErrorCodes.SEGMENT_GAP | typeof ErrorCodes.JOURNAL_RANGE_DROPPED | undefined;
  /** Feeds started at the exporter's basis: what we lacked of them was dropped where they came from. */
  readonly dropped: ReadonlyArray<{ origin: string; from: number; to: number }>;
  readonly message: string;
  /** Bytes of the segment read in the verifying pass (0 when it was not read past its header). */
  readonly bytes: number;
  /** The segment's sha-256 (undefined when it was not read past its header). */
  readonly digest: Buffer | undefined;
  /** Applied events other than sync's own bookkeeping (seals, sync.completed/failed). */
  readonly substantive: number;
}

/** Event types that sync itself writes: moving only these is not news worth journaling. */
export const BOOKKEEPING_TYPES: ReadonlySet<string> = new Set(['feed.sealed', 'sync.completed', 'sync.failed']);

function isSubstantive(body: Buffer): boolean {
  return !BOOKKEEPING_TYPES.has(decodeBodyType(body));
}

/**
 * Verifies a whole segment, then applies the ranges that continue our heads; nothing is applied
 * unless every check passes (format, checksum, exporter signature and trust, cluster, chains,
 * seals, schemas). A range starting past our head is reported as held (SMOL_SEGMENT_GAP) for the
 * caller to keep and retry. Large segments are read twice — verify, then apply — each frame checked
 * against its first-pass digest, so memory stays constant.
 * Every event we already hold must be byte-identical to ours (checked through one hash per range):
 * a segment with "same id, other bytes" anywhere is refused whole with SMOL_SEGMENT_CONFLICT, whose
 * `details` (a SegmentConflict) name the exporter, the first differing event and both hashes.
 * Throws SMOL_SEGMENT_FORMAT, _TRUNCATED, _CHECKSUM, _SIGNATURE, _FOREIGN_CLUSTER, _CONFLICT,
 * _UNSEALED, SMOL_UNTRUSTED_NODE, SMOL_CHAIN_BROKEN, SMOL_SEAL_INVALID, SMOL_EVENT_INVALID.
 */
export async function importSegment(journal: Journal, source: SegmentSource, options: ImportOptions): Promise<ImportOutcome> {
  const bufferLimit = options.bufferEvents ?? 50_000;
  const batch = options.batchEvents ?? 5_000;
  let header: SegmentHeader | undefined;
  let plans: RangePlan[] = [];
  let verifier: SegmentVerifier | undefined;
  let buffered: RawEvent[] | undefined;
  const digests: Buffer[] = [];
  let bytes = 0;
  let digest: Buffer | undefined;
  let substantive = 0;
  let conflict: HeldConflict | undefined;
  let adoptions: BasisAdoption[] = [];

  for await (const item of readSegment(source())) {
    if (item.kind === 'header') {
      header = item.header;
      if (header.cluster !== options.cluster) {
        throw new SmolError(ErrorCodes.SEGMENT_FOREIGN_CLUSTER, `the segment is from cluster "${header.cluster}", this node is in "${options.cluster}"`);
      }
      if (header.exporter !== journal.nodeId && !options.isTrusted(header.exporter)) {
        throw new SmolError(ErrorCodes.UNTRUSTED_NODE, `the segment was exported by ${header.exporter}, which is not in the trust list (smollama trust add ${header.publicKey})`);
      }
      plans = planRanges(header, journal.heads(), journal.nodeId);
      ({ plans, adoptions } = await planBases(header, journal as BasisJournal, plans));
      // Even a segment we hold all of is read whole: "same id, other bytes" is a conflict, not a
      // replay, and only the checked signature makes its exporter answerable for it.
      await resolveHeldHashes(plans, journal);
      verifier = new SegmentVerifier(plans, {
        registry: options.registry,
        ...(options.trustedOriginsOnly ? { originAllowed: (o: string) => o === journal.nodeId || options.isTrusted(o) } : {}),
      });
      const fresh = plans.reduce((n, p) => n + (p.status === 'apply' ? p.to - p.head : 0), 0);
      buffered = fresh <= bufferLimit ? [] : undefined;
    } else if (item.kind === 'frame') {
      digests.push(item.digest);
      // After a conflict the rest is only read, for the checksum and signature: the conflict is
      // what the segment is refused for, whatever else is wrong with its records.
      if (conflict) continue;
      for (const r of item.records) {
        try {
          verifier!.check(r);
        } catch (err) {
          if (!isSmolError(err, ErrorCodes.SEGMENT_CONFLICT) || !err.details?.['held']) throw err;
          conflict = err.details['held'] as HeldConflict;
          break;
        }
        if (buffered && verifier!.isNew(r)) {
          buffered.push({ origin: r.origin, body: r.body, hash: r.hash });
          if (isSubstantive(r.body)) substantive++;
        }
      }
    } else {
      bytes = item.bytes;
      digest = item.digest;
    }
  }
  if (!header || !verifier) throw new TypeError('readSegment ended without a header');
  if (conflict) throw await conflictError(journal, source, digests, header, plans[conflict.rangeIndex]!, conflict);
  if (adoptions.length === 0 && plans.every((p) => p.status === 'have')) {
    return { header, applied: 0, held: [], ranges: plans, code: ErrorCodes.SEGMENT_REPLAYED, message: 'already imported: this node holds every event in it', bytes, digest, substantive: 0, dropped: [] };
  }
  // Verified whole: feeds that start at the exporter's basis start there now, then their events chain on.
  await adoptBases(journal as BasisJournal, adoptions, (options.now ?? Date.now)());
  const dropped = adoptions.map((a) => ({ origin: a.origin, from: a.heldTo + 1, to: a.basis.seq }));

  let applied = 0;
  const ingest = async (events: RawEvent[]) => {
    if (events.length === 0) return;
    const result = await journal.ingest(events);
    applied += result.applied;
  };
  if (buffered) {
    for (let i = 0; i < buffered.length; i += batch) await ingest(buffered.slice(i, i + batch));
  } else {
    // One batch is written while the next is read: the journal's write runs on LevelDB's thread.
    let pending: RawEvent[] = [];
    let inFlight: Promise<void> | undefined;
    const startIngest = async (events: RawEvent[]): Promise<void> => {
      if (inFlight) await inFlight; // each batch continues the heads the one before left
      inFlight = ingest(events);
      inFlight.catch(() => undefined); // awaited before the next batch or below; meanwhile not unhandled
    };
    try {
      for await (const item of readSegment(source(), { frameDigests: digests })) {
        if (item.kind !== 'frame') continue;
        for (const r of item.records) {
          if (!isNewNow(journal, verifier, r)) continue;
          pending.push({ origin: r.origin, body: r.body, hash: r.hash });
          if (isSubstantive(r.body)) substantive++;
        }
        if (pending.length >= batch) {
          await startIngest(pending);
          pending = [];
        }
      }
      await startIngest(pending);
      await inFlight;
    } finally {
      await inFlight?.catch(() => undefined); // never return or throw with a write still running
    }
  }
  const held = plans.filter((p) => p.status === 'gap').map((p) => ({ origin: p.origin, from: p.from, to: p.to, have: p.head }));
  const message = held.length
    ? `held: ${held.map((h) => `${h.origin} ${h.from}..${h.to} needs ${h.have + 1}..${h.from - 1} first`).join('; ')}`
    : `applied ${applied} event(s)${adoptions.length ? `; ${describeAdoptions(adoptions)}` : ''}`;
  const code = held.length ? ErrorCodes.SEGMENT_GAP : adoptions.length ? ErrorCodes.JOURNAL_RANGE_DROPPED : undefined;
  return { header, applied, held, ranges: plans, code, message, bytes, digest, substantive, dropped };
}

/** In the second pass, skip what a concurrent import already brought in. */
function isNewNow(journal: Journal, verifier: SegmentVerifier, r: SegmentRecord): boolean {
  return verifier.isNew(r) && r.seq > (journal.heads().get(r.origin)?.seq ?? 0);
}

/** What SMOL_SEGMENT_CONFLICT from importSegment carries in `details`. */
export interface SegmentConflict {
  /** Who signed the segment (checked): the node that delivered the other bytes. */
  readonly exporter: string;
  readonly origin: string;
  readonly seq: number;
  readonly eventId: string;
  /** Our hash and the segment's, of that event. */
  readonly ours: string;
  readonly theirs: string;
}

/**
 * The conflict error, naming the first event of the range that differs from ours (the verifier saw
 * the difference at the range's last held event; the chain carries it there from wherever it
 * starts). Reads that range again, next to our own copy: only when a conflict was found.
 */
async function conflictError(journal: Journal, source: SegmentSource, digests: readonly Buffer[], header: SegmentHeader, plan: RangePlan, seen: HeldConflict): Promise<SmolError> {
  let first = { seq: seen.seq, ours: seen.ours, theirs: seen.theirs };
  // Below our own basis we hold nothing to compare: the walk starts after it.
  const from = Math.max(plan.from, (journal.basis?.(plan.origin)?.seq ?? 0) + 1);
  const ours = journal.readOriginRaw(plan.origin, from, plan.heldTo)[Symbol.asyncIterator]();
  try {
    search: for await (const item of readSegment(source(), { frameDigests: digests })) {
      if (item.kind !== 'frame') continue;
      for (const r of item.records) {
        if (r.rangeIndex !== seen.rangeIndex || r.seq < from || r.seq > plan.heldTo) continue;
        const mine = await ours.next();
        if (mine.done) break search;
        const hash = hashBody(plan.origin, mine.value.body);
        if (hash !== r.hash) {
          first = { seq: r.seq, ours: hash, theirs: r.hash };
          break search;
        }
      }
    }
  } finally {
    await ours.return?.();
  }
  const details: SegmentConflict = { exporter: header.exporter, origin: plan.origin, seq: first.seq, eventId: `${plan.origin}:${first.seq}`, ours: first.ours, theirs: first.theirs };
  return new SmolError(
    ErrorCodes.SEGMENT_CONFLICT,
    `${details.eventId} in this segment (signed by ${header.exporter}) differs from the event we hold with that id: the feed was altered or forked; nothing of the segment was applied`,
    { details: { ...details } },
  );
}
