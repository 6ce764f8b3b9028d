import { encodeHlc } from '../clock/hlc.js';
import { decodeBodyType } from '../events/codec.js';
import type { Journal, VersionVector } from '../journal/journal.js';
import { missingRanges, type SeqRange } from './vector.js';
import { writeSegment, type Signer, type WriteSegmentOptions } from './segment-writer.js';
import type { Compression, SegmentHeader } from './segment-format.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { FeedBasis } from '../journal/basis/feed-basis.js';
import type { DroppedRange } from './segment-basis.js';

export interface ExportOptions extends WriteSegmentOptions {
  readonly cluster: string;
  readonly sign: Signer;
  readonly compression?: Compression;
  /** Most events in one segment (the cut still ends every range on a seal). Default: no limit. */
  readonly maxEvents?: number;
  /** Put the vector the segment was cut for in its header. */
  readonly recordFor?: boolean;
  /**
   * Whether the importer can start a feed at our basis when it lacks a range retention dropped
   * (default true). When false, such a plan throws SMOL_JOURNAL_RANGE_DROPPED naming the ranges.
   */
  readonly acceptsBases?: boolean;
}

export interface PlannedSegment {
  readonly header: SegmentHeader;
  /** The segment bytes, streamed. */
  readonly stream: AsyncGenerator<Buffer>;
  /** Events that `theirs` lacks but this segment leaves out (unsealed tails, or over maxEvents). */
  readonly leftOut: number;
  /** What `theirs` lacks that retention dropped here: the segment starts those feeds at their basis. */
  readonly dropped: readonly DroppedRange[];
}

/**
 * Plans a segment of what `theirs` lacks of this journal, every range ending on its origin's seal,
 * and returns its header and a lazy byte stream. Seal our own feed first (journal.seal()) so our
 * own newest events can go too. Returns undefined when there is nothing sealed to send.
 */
export async function planSegment(journal: Journal, theirs: VersionVector, options: ExportOptions): Promise<PlannedSegment | undefined> {
  const basis = journal.vector();
  const { wanted, dropped, feedBases } = afterBases(journal, missingRanges(basis, theirs));
  if (dropped.length > 0 && options.acceptsBases === false) {
    throw new SmolError(ErrorCodes.JOURNAL_RANGE_DROPPED, `retention dropped ${dropped.map((d) => `${d.origin} ${d.from}..${d.to}`).join(', ')} here: upgrade the node that asks, so it can start those feeds at their basis`, { details: { dropped } });
  }
  let budget = options.maxEvents ?? Infinity;
  const ranges: SeqRange[] = [];
  let leftOut = 0;
  for (const r of wanted) {
    const want = r.to - r.from + 1;
    if (budget <= 0) {
      leftOut += want;
      continue;
    }
    const limit = Math.min(r.to, r.from + budget - 1);
    // The budget is soft: when no seal falls inside it, the range runs on to the first seal after.
    const to = (await lastSealAtOrBefore(journal, r.origin, r.from, limit)) ?? (limit < r.to ? await firstSealAfter(journal, r.origin, limit + 1, r.to) : undefined);
    leftOut += r.to - (to ?? r.from - 1);
    if (to === undefined) continue;
    ranges.push({ origin: r.origin, from: r.from, to });
    budget -= to - r.from + 1;
  }
  // A basis goes along only with its range or alone (the feed's every event was dropped here).
  const bases = Object.fromEntries(Object.entries(feedBases).filter(([o]) => ranges.some((r) => r.origin === o) || !wanted.some((w) => w.origin === o)));
  if (ranges.length === 0 && Object.keys(bases).length === 0) return undefined;
  const own = journal.heads().get(journal.nodeId);
  const header: SegmentHeader = {
    format: 'smollama-segment',
    version: 1,
    cluster: options.cluster,
    exporter: journal.nodeId,
    publicKey: journal.publicKey,
    created: own?.hlc ?? encodeHlc(0, 0),
    compression: options.compression ?? 'brotli',
    ranges,
    count: ranges.reduce((n, r) => n + r.to - r.from + 1, 0),
    basis,
    ...(options.recordFor ? { for: { ...theirs } } : {}),
    ...(Object.keys(bases).length ? { feedBases: bases } : {}),
  };
  const stream = writeSegment(header, (range) => bodies(journal, range.origin, range.from, range.to), options.sign, options);
  return { header, stream, leftOut, dropped };
}

/**
 * Cuts what a peer lacks at our feed bases: a range reaching at or below an origin's basis starts
 * right after it (what lies below was dropped, or is no longer part of the feed), and that origin's
 * basis goes into the header so the peer can start its copy there.
 */
function afterBases(journal: Journal, wanted: SeqRange[]): { wanted: SeqRange[]; dropped: DroppedRange[]; feedBases: Record<string, FeedBasis> } {
  const out: SeqRange[] = [];
  const dropped: DroppedRange[] = [];
  const feedBases: Record<string, FeedBasis> = {};
  for (const r of wanted) {
    const b = journal.basis?.(r.origin);
    if (!b || r.from > b.seq) {
      out.push(r);
      continue;
    }
    dropped.push({ origin: r.origin, from: r.from, to: b.seq });
    feedBases[r.origin] = b;
    if (r.to > b.seq) out.push({ origin: r.origin, from: b.seq + 1, to: r.to });
  }
  return { wanted: out, dropped, feedBases };
}

/**
 * The bodies of one range, read in chunks with the next chunk already being fetched while the
 * current one is encoded: LevelDB reads on its own thread while we compress.
 */
async function* bodies(journal: Journal, origin: string, from: number, to: number, chunk = 2048, depth = 3): AsyncGenerator<Buffer> {
  const fetch = async (lo: number): Promise<Buffer[]> => {
    const out: Buffer[] = [];
    for await (const e of journal.readOriginRaw(origin, lo, Math.min(to, lo + chunk - 1))) out.push(e.body);
    return out;
  };
  const ahead: Array<Promise<Buffer[]>> = [];
  let nextLo = from;
  const refill = () => {
    while (ahead.length < depth && nextLo <= to) {
      ahead.push(fetch(nextLo));
      nextLo += chunk;
    }
  };
  refill();
  while (ahead.length > 0) {
    const current = await ahead.shift()!;
    refill();
    yield* current;
  }
}

/** The seq of the oldest `feed.sealed` of `origin` in [from, to], or undefined. */
async function firstSealAfter(journal: Journal, origin: string, from: number, to: number): Promise<number | undefined> {
  for await (const { seq, body } of journal.readOriginRaw(origin, from, to)) if (decodeBodyType(body) === 'feed.sealed') return seq;
  return undefined;
}

/**
 * The seq of the newest valid-looking `feed.sealed` of `origin` in [from, limit], or undefined.
 * The head is checked first, so a sealed feed costs one read; otherwise the window is scanned.
 */
export async function lastSealAtOrBefore(journal: Journal, origin: string, from: number, limit: number): Promise<number | undefined> {
  const last = await journal.get(origin, limit);
  if (last?.event.type === 'feed.sealed') return limit;
  let found: number | undefined;
  for await (const { seq, body } of journal.readOriginRaw(origin, from, limit)) if (decodeBodyType(body) === 'feed.sealed') found = seq;
  return found;
}
