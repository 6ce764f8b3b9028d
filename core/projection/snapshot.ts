import type { Journal } from '../journal/journal.js';
import type { Projection, ProjectionCheckpoint, ProjectionStore } from './projection.js';

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
 * Where a projection starts over: its snapshot at the basis when the journal has one of this
 * version (the store then holds the snapshot's data), else the initial state at position 0 with
 * the store cleared. Replay from `position + 1`. A projection whose version changed after
 * retention has no snapshot of its version: it replays what is left (history before the basis is
 * gone for it; docs/retention.md).
 */
export async function startingPoint<S>(journal: Journal, projection: Projection<S>, store: ProjectionStore): Promise<{ state: S; position: number; fromSnapshot: boolean }> {
  const snapshots = (journal as Journal & WithBasisSnapshots).projectionSnapshots;
  const restored = await snapshots?.restore(projection.name, projection.version);
  if (restored) return { state: restored.state as S, position: restored.position, fromSnapshot: true };
  await store.clear();
  return { state: projection.initial(), position: 0, fromSnapshot: false };
}
