import type { HlcClock } from '../clock/hlc.js';
import { hashBody, putVarint, varintLength } from '../events/codec.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { IngestResult, OriginHead, RawEvent } from './journal.js';
import { planIngest } from './ingest-plan.js';
import type { JournalReader } from './journal-reader.js';
import type { JournalState, Op } from './journal-state.js';
import type { JournalWriter } from './journal-writer.js';

/**
 * Stores events of other origins (sync import): planIngest checks them against the tentative heads,
 * then the accepted ones get positions and go through the writer's group commit like local appends.
 */
export class JournalIngest {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: JournalState,
    private readonly writer: JournalWriter,
    private readonly reader: JournalReader,
    private readonly clock: HlcClock,
    private readonly ownOrigin: string,
  ) {
    // Origins stored as skewed before a restart are not reported again until they come back under.
    for (const [origin, head] of state.heads) if (head.aheadMs !== undefined) clock.markSkewed(origin);
  }

  /** Throws SMOL_JOURNAL_CLOSED, SMOL_JOURNAL_WRITE_FAILED and what planIngest throws. */
  ingest(events: readonly RawEvent[]): Promise<IngestResult> {
    // Serialised: each plan reads the heads the previous one left.
    const run = this.chain.then(() => this.ingestNow(events));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every ingest called so far has settled. */
  drain(): Promise<unknown> {
    return this.chain;
  }

  private async ingestNow(events: readonly RawEvent[]): Promise<IngestResult> {
    const state = this.state;
    if (state.closed) throw new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed');
    const plan = await planIngest(events, {
      ownOrigin: this.ownOrigin,
      head: (origin) => state.heads.get(origin),
      storedHash: async (origin, seq) => {
        const entry = await this.reader.getBody(origin, seq);
        return entry && hashBody(origin, entry.body);
      },
    });
    if (plan.accepted.length === 0) return { applied: 0, duplicates: plan.duplicates };
    const ops: Op[] = [];
    // Not decoded here: live subscribers decode what they read (and the ring keeps what they did).
    const values: Buffer[] = [];
    const heads = new Map<string, OriginHead>();
    for (const item of plan.accepted) {
      const position = ++state.position;
      const index = state.origins.indexFor(item.origin);
      const value = storedValue(index, item.body);
      ops.push(state.layout.logOp(position, value));
      values.push(value);
      ops.push(state.layout.indexOp(index, item.seq, position));
      heads.set(item.origin, { seq: item.seq, hash: item.hash, hlc: item.hlc });
    }
    // An origin's timestamps rise along its chain: its newest one here is the one to observe.
    // Each head keeps when we received it (our clock, not the origin's claim) and, while the origin
    // runs ahead of us by more than maxOffset, by how much: both are stored with the batch.
    const receivedAt = this.clock.physicalNow();
    for (const [origin, h] of heads) {
      const skew = this.clock.observe(h.hlc, origin);
      const head: OriginHead = { ...h, receivedAt, ...(skew ? { aheadMs: skew.aheadMs } : {}) };
      state.heads.set(origin, head);
      heads.set(origin, head);
    }
    await this.writer.enqueue(ops, values, heads);
    return { applied: values.length, duplicates: plan.duplicates };
  }
}

/** The log value of a foreign event: `varint originIndex | body`. */
function storedValue(originIndex: number, body: Buffer): Buffer {
  const headroom = varintLength(originIndex);
  const value = Buffer.allocUnsafe(headroom + body.length);
  putVarint(value, 0, originIndex);
  body.copy(value, headroom);
  return value;
}
