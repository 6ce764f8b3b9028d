/** What the indexes hold against their cap (the projection's stats, the agent unit's health). */
export interface VectorCoverage {
  /** Vectors in all indexes. */
  readonly indexed: number;
  readonly observations: number;
  readonly memories: number;
  /** Most vectors held in memory (all indexes together); Infinity: no cap. */
  readonly maxVectors: number;
  /** Wall ms of the oldest indexed observation: semantic search covers observations from there on. */
  readonly oldestObservationAt: number | undefined;
  /** Vectors that left (or never entered) the indexes for the cap since this store started. */
  readonly evicted: number;
}

/** What semantic search covers, in one line for /api/health and `smollama status` (docs/vector-index.md). */
export function coverageNote(c: VectorCoverage): string {
  const cap = Number.isFinite(c.maxVectors) ? ` of ${c.maxVectors}` : '';
  const since = c.oldestObservationAt === undefined ? '' : `, observations since ${new Date(c.oldestObservationAt).toISOString()}`;
  return `vector index: ${c.indexed}${cap} (${c.memories} memories${since})`;
}
