import { decodeBodyHeader } from '../../events/codec.js';
import { SmolError, ErrorCodes } from '../../errors.js';
import type { OriginHead } from '../journal.js';
import type { Db, JournalState } from '../journal-state.js';
import { basisMetaKey, feedBasisSchema, type FeedBasis } from './feed-basis.js';

/** A put on the root database (the shape ColdManifest.dropOldest takes as extra ops). */
export interface BasisPutOp {
  readonly type: 'put';
  readonly key: Buffer;
  readonly value: Buffer;
}

/** Reads every stored basis from the meta sublevel. Throws SMOL_JOURNAL_CORRUPT for one that does not parse. */
export async function readFeedBases(db: Db): Promise<Map<string, FeedBasis>> {
  const meta = db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const out = new Map<string, FeedBasis>();
  for await (const [key, value] of meta.iterator({ gte: 'basis!', lt: 'basis"' })) {
    const parsed = feedBasisSchema.safeParse(value);
    if (!parsed.success) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the stored feed basis ${key} does not parse`);
    out.set(key.slice('basis!'.length), parsed.data);
  }
  return out;
}

/**
 * The journal's feed bases: per origin, where its feed starts after retention dropped the oldest
 * events (feed-basis.ts). Kept in memory, stored in the meta sublevel. Retention writes new bases
 * in the same batch as the cold manifest drops the files (putOps); an import that starts a feed at
 * a peer's basis writes it with the origin's head (adopt).
 */
export class FeedBases {
  private map: Map<string, FeedBasis>;
  private readonly metaPrefix: string;

  constructor(db: Db, initial: ReadonlyMap<string, FeedBasis>) {
    this.map = new Map(initial);
    this.metaPrefix = db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' }).prefix;
  }

  get(origin: string): FeedBasis | undefined {
    return this.map.get(origin);
  }

  /** Every basis (a copy). */
  all(): ReadonlyMap<string, FeedBasis> {
    return new Map(this.map);
  }

  /** The root-database puts that store `bases` (meta sublevel keys, JSON values). */
  putOps(bases: ReadonlyMap<string, FeedBasis>): BasisPutOp[] {
    return [...bases].map(([origin, b]) => ({
      type: 'put',
      key: Buffer.from(this.metaPrefix + basisMetaKey(origin), 'utf8'),
      value: Buffer.from(JSON.stringify(b), 'utf8'),
    }));
  }

  /**
   * Makes `bases` current in memory and returns a function that restores the previous ones (for a
   * write that then failed). Retention calls it before the batch that stores them: a basis ahead of
   * events still held only makes readers start later, never read a dropped event.
   */
  remember(bases: ReadonlyMap<string, FeedBasis>): () => void {
    const before = new Map(this.map);
    for (const [o, b] of bases) this.map.set(o, b);
    return () => void (this.map = before);
  }

  /**
   * Starts `origin`'s feed at a peer's (checked) basis: stores the basis and a head at it in one
   * synced batch, then moves the heads, so events after the basis chain onto it. Events of the origin
   * we hold below the basis stay stored (see docs/retention.md). Call with no ingest of `origin`
   * running (imports are serialised). Throws TypeError when the basis is not past our head.
   */
  async adopt(state: JournalState, origin: string, basis: FeedBasis, now: number): Promise<OriginHead> {
    const held = state.heads.get(origin)?.seq ?? 0;
    if (basis.seq <= held) throw new TypeError(`a basis at ${basis.seq} is not past our head ${held} of ${origin}`);
    const hlc = decodeBodyHeader(Buffer.from(basis.seal.body, 'base64url')).hlc;
    const head: OriginHead = { seq: basis.seq, hash: basis.hash, hlc, receivedAt: now };
    const [put] = this.putOps(new Map([[origin, basis]]));
    const headOp = state.layout.metaOp(`head!${origin}`, head);
    await state.db.batch([put!, { type: 'put', key: headOp.key, value: headOp.value }] as never, { sync: true } as never);
    this.map.set(origin, basis);
    state.heads.set(origin, head);
    state.durableHeads.set(origin, head);
    return head;
  }
}
