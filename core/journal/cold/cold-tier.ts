import type { Signer } from '../../sync/segment-writer.js';
import type { JournalState } from '../journal-state.js';
import { positionKey } from '../keys.js';
import { ColdManifest } from './cold-manifest.js';
import { ColdReader } from './cold-reader.js';
import type { ColdFileStore } from './cold-store.js';
import { decodeColdIndex } from './cold-index.js';
import { HotReadGate } from './hot-read-gate.js';
import { deleteHot, moveOnce, type ColdMoveOptions, type MoveResult } from './cold-mover.js';

export const DAY_MS = 86_400_000;

/** How a journal moves history cold; the journal unit passes config values. */
export interface ColdTierOptions {
  readonly store: ColdFileStore;
  readonly exporter: string;
  readonly publicKey: string;
  readonly sign: Signer;
}

export type MoveSettings = Omit<ColdMoveOptions, 'exporter' | 'publicKey' | 'sign'>;

/**
 * The cold tier of one journal: manifest, reader, the gate hot reads pass, and moves. Opening it
 * tidies the cold directory (temp files, orphans) and finishes the hot deletes of a move that a
 * crash interrupted.
 */
export class ColdTier {
  readonly gate = new HotReadGate();
  readonly reader: ColdReader;

  private constructor(
    private readonly state: JournalState,
    readonly manifest: ColdManifest,
    private readonly options: ColdTierOptions,
  ) {
    this.reader = new ColdReader(manifest);
  }

  /** Throws SMOL_JOURNAL_CORRUPT (manifest), SMOL_COLD_FILE_CORRUPT (an index that does not parse). */
  static async open(state: JournalState, options: ColdTierOptions): Promise<ColdTier> {
    const manifest = await ColdManifest.load(state.db, options.store);
    const tier = new ColdTier(state, manifest, options);
    await tier.finishMoves();
    return tier;
  }

  /** Moves one file's worth of old events cold, if there is one; see moveOnce. */
  move(settings: MoveSettings): Promise<MoveResult | undefined> {
    return moveOnce(this.state, this.manifest, this.gate, { ...settings, exporter: this.options.exporter, publicKey: this.options.publicKey, sign: this.options.sign });
  }

  /** A move recorded in the manifest whose hot entries a crash left behind: delete them now. */
  private async finishMoves(): Promise<void> {
    const from = this.manifest.coldFrom;
    if (from === undefined) return;
    const { logPrefix } = this.state.layout;
    let left: number | undefined;
    const it = this.state.db.keys({ gte: Buffer.concat([logPrefix, positionKey(from)]), lte: Buffer.concat([logPrefix, positionKey(this.manifest.coldTo)]), limit: 1 } as never);
    for await (const key of it as AsyncIterable<Buffer>) left = key.readUIntBE(logPrefix.length, 6);
    if (left === undefined) return;
    for (const entry of this.manifest.list()) {
      if (entry.toPosition < left) continue;
      const index = decodeColdIndex((await this.manifest.index(entry.name)) ?? Buffer.alloc(0), entry.name);
      const originIndexes = entry.origins.map((r) => this.state.origins.indexOf(r.origin) ?? -1);
      await deleteHot(this.state, this.gate, entry, index.runs, originIndexes, {});
    }
  }
}
