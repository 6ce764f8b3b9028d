import type { VersionVector } from '../core/journal/journal.js';
import { SmolError, ErrorCodes } from '../core/errors.js';
import type { SyncPort } from '../core/sync/sync-port.js';
import { readVectorFile } from './vector.js';
import type { ToolProgress } from './progress.js';

/** Which vector to export for: a vector file, a named trusted peer, or everything. */
export type ExportBasis = { readonly for: string } | { readonly peer: string } | { readonly all: true };

export interface ExportResult {
  readonly path: string | undefined;
  readonly events: number;
  readonly bytes: number;
  /** Events the peer lacks that were left out (not yet sealed by their origin). */
  readonly leftOut: number;
  /** Who it is for (node id), when known. */
  readonly peer: string | undefined;
}

/**
 * `journal export`: writes one segment of what the peer lacks to `out` (file or directory).
 * Throws SMOL_CLI_USAGE for an unknown peer, SMOL_SEGMENT_FOREIGN_CLUSTER for a vector file of
 * another cluster. `onProgress` hears the bytes written (no total: the segment is compressed as it goes).
 */
export async function exportSegment(sync: SyncPort, basis: ExportBasis, out: string, onProgress?: ToolProgress): Promise<ExportResult> {
  let theirs: VersionVector = {};
  let peer: string | undefined;
  if ('for' in basis) {
    const doc = await readVectorFile(basis.for);
    if (doc.cluster !== sync.config.cluster) {
      throw new SmolError(ErrorCodes.SEGMENT_FOREIGN_CLUSTER, `${basis.for} is from cluster "${doc.cluster}", this node is in "${sync.config.cluster}"`);
    }
    theirs = doc.vector;
    peer = doc.node === sync.journal.nodeId ? undefined : doc.node;
  } else if ('peer' in basis) {
    const node = sync.trust.find(basis.peer);
    if (!node) throw new SmolError(ErrorCodes.CLI_USAGE, `no trusted peer named "${basis.peer}" (see smollama trust list)`);
    peer = node.nodeId;
    theirs = sync.peers.believed(peer);
  }
  const written = await sync.exportTo(theirs, out, peer, onProgress);
  return written ? { ...written, peer } : { path: undefined, events: 0, bytes: 0, leftOut: 0, peer };
}
