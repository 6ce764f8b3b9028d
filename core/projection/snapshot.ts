import type { Journal } from '../journal/journal.js';
import type { Projection, ProjectionCheckpoint } from './projection.js';

/**
 * Projection snapshots at the retention basis, as the projection runner sees them. Retention drops
 * the oldest events; before it does, every projection's stored data is copied
 * (core/journal/basis/projection-snapshots.ts). A projection that starts over — `journal rebuild`,
 * no checkpoint — then starts from that copy and replays only the events after it, so rollups and
 * memories built from dropped events survive a rebuild.
 */
export interface BasisSnapshots {
  /**
   * Replaces the projection's stored data with its snapshot and returns the snapshot's checkpoint;
   * undefined (nothing changed) when there is none of this version.
   */
  restore(name: string, version: number): Promise<ProjectionCheckpoint | undefined>;
}

/** A journal that keeps projection snapshots (LevelJournal). */
export interface WithBasisSnapshots {
  readonly projectionSnapshots?: BasisSnapshots;
}

/**
 * For a projection that starts over (no checkpoint, another version, `journal rebuild`): puts its
 * snapshot at the retention basis in its store and returns the snapshot's checkpoint; the runner
 * then loads that checkpoint as it loads any (chunked state included) and replays from
 * `position + 1`. Undefined, with nothing changed, when the journal keeps no snapshot of this
 * projection at its version: start from the initial state as before (after retention that replays
 * only what is left — history before the basis is then gone for that projection; docs/retention.md).
 */
export async function restoreFromBasis(journal: Journal, projection: Pick<Projection<unknown>, 'name' | 'version'>): Promise<ProjectionCheckpoint | undefined> {
  const snapshots = (journal as Journal & WithBasisSnapshots).projectionSnapshots;
  return snapshots?.restore(projection.name, projection.version);
}
