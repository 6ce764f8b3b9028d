import { join } from 'node:path';
import { z } from 'zod';
import type { VersionVector } from '../../core/journal/journal.js';
import { mergeVectors } from '../../core/sync/vector.js';
import { readJsonFileAs, writeJsonFile } from './json-file.js';

/** What this node remembers about one peer, for `journal export --peer` and the sync loop. */
export interface PeerRecord {
  /** What the peer is known to hold (from its own segments and vector exchanges). */
  known: VersionVector;
  /** What we have sent it (by USB, not confirmed). */
  sent: VersionVector;
  lastExportAt: string | null;
  lastImportAt: string | null;
}

const vector = z.record(z.string(), z.number().int().min(0));
const fileSchema = z.object({
  version: z.literal(1),
  peers: z.record(z.string(), z.object({ known: vector, sent: vector, lastExportAt: z.string().nullable(), lastImportAt: z.string().nullable() })),
});

/** Per-peer knowledge kept in `<dataDir>/sync/peers.json`. */
export class PeerState {
  private constructor(private readonly path: string, private peers: Record<string, PeerRecord>) {}

  /** Loads `<dataDir>/sync/peers.json`. Throws SMOL_FILE_CORRUPT naming it when it is damaged. */
  static async open(dataDir: string): Promise<PeerState> {
    const path = join(dataDir, 'sync', 'peers.json');
    // A damaged file is refused (SMOL_FILE_CORRUPT), not replaced: starting over silently would
    // hide the damage, and moving the file away is the user's one-line way to start over.
    const file = await readJsonFileAs(path, fileSchema, 'sync peer state');
    return new PeerState(path, file?.peers ?? {});
  }

  get(nodeId: string): PeerRecord {
    return this.peers[nodeId] ?? { known: {}, sent: {}, lastExportAt: null, lastImportAt: null };
  }

  /** What we believe the peer holds: known, plus what we sent it. */
  believed(nodeId: string): VersionVector {
    const p = this.get(nodeId);
    return mergeVectors(p.known, p.sent);
  }

  /** Changes one peer's record; writes are serialised, the last one leaves the newest state on disk. */
  update(nodeId: string, change: (p: PeerRecord) => PeerRecord): Promise<void> {
    this.peers = { ...this.peers, [nodeId]: change(this.get(nodeId)) };
    const write = this.writing.then(() => writeJsonFile(this.path, { version: 1, peers: this.peers }));
    this.writing = write.catch(() => undefined);
    return write;
  }
  private writing: Promise<unknown> = Promise.resolve();

  all(): Readonly<Record<string, PeerRecord>> {
    return this.peers;
  }
}
