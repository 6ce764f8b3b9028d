import { listObservations } from '../../projections/observations.js';
import { listMemories, type MemoriesState } from '../../projections/memories.js';
import type { AppNode } from './app.js';
import type { SearchPorts, SearchQuery } from './routes/api-search.js';

const HOUR = 3_600_000;

/** Observation and memory search over the node's observations and memories projections. */
export function projectionSearch(node: AppNode, now: () => number = Date.now): SearchPorts {
  const filters = (q: SearchQuery) => ({
    ...(q.query ? { text: q.query } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.origin ? { origin: q.origin } : {}),
    ...(q.hours !== undefined ? { from: now() - q.hours * HOUR } : {}),
    limit: q.limit,
  });
  return {
    observations: (q) => listObservations(node.runner('observations').store, filters(q)),
    memories: async (q) => listMemories(node.runner<MemoriesState>('memories').state, filters(q)),
  };
}
