import type { Journal, VersionVector } from '../journal/journal.js';

/**
 * The sync port: what the journal tools (`journal export`, `journal import`) need of a node's side
 * of segment exchange. adapters/sync/sync-service.ts implements it (files, trust list, peer state);
 * journal-tools/ depends on this interface only, so it never imports adapters/.
 */

/** What happened to one imported segment. */
export interface ImportReport {
  readonly source: string;
  readonly status: 'applied' | 'replayed' | 'held' | 'failed';
  /** The error code for 'failed', SMOL_SEGMENT_REPLAYED / SMOL_SEGMENT_GAP for the others that applied nothing. */
  readonly code: string | undefined;
  readonly message: string;
  readonly applied: number;
  /** Applied events other than seals and sync bookkeeping. */
  readonly substantive: number;
  readonly exporter: string | undefined;
  readonly bytes: number;
  /** Ranges we lacked that retention dropped on the exporter: those feeds now start at its basis (code SMOL_JOURNAL_RANGE_DROPPED). */
  readonly dropped?: ReadonlyArray<{ readonly origin: string; readonly from: number; readonly to: number }>;
}

/** A trusted node, as far as the journal tools care. */
export interface TrustedPeer {
  readonly nodeId: string;
  readonly name: string | null;
}

/** A segment written by an export. */
export interface ExportedSegment {
  readonly path: string;
  readonly events: number;
  readonly bytes: number;
  /** Events the peer lacks that were left out (not yet sealed by their origin). */
  readonly leftOut: number;
}

export interface SyncPort {
  readonly journal: Pick<Journal, 'nodeId' | 'appendOne'>;
  readonly config: { readonly cluster: string };
  readonly trust: {
    /** A trusted node by id, name or public key. */
    find(ref: string): TrustedPeer | undefined;
    get(nodeId: string): TrustedPeer | undefined;
  };
  readonly peers: {
    /** What we believe the peer holds (known plus what we sent it). */
    believed(nodeId: string): VersionVector;
    get(nodeId: string): { readonly known: VersionVector };
  };
  /**
   * Imports a segment file, or every segment file of a directory, then retries held segments.
   * `onProgress` hears bytes read of the files' total size.
   */
  importPath(path: string, onProgress?: (done: number, total: number) => void): Promise<ImportReport[]>;
  /**
   * Writes one segment of what `theirs` lacks to `out` (file or directory); undefined when there
   * is nothing to send. `onProgress` hears the bytes written so far (no total).
   */
  exportTo(theirs: VersionVector, out: string, peer?: string, onProgress?: (done: number, total: undefined) => void): Promise<ExportedSegment | undefined>;
  /** Held segment files waiting for what they build on. */
  pendingFiles(): Promise<string[]>;
}
