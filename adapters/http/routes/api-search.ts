import { z } from 'zod';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { queryInt } from './query.js';

/** Validated observation/memory search, as the dashboard and old API clients ask it. */
export interface SearchQuery {
  readonly query?: string;
  readonly kind?: string;
  readonly origin?: string;
  readonly hours?: number;
  readonly limit: number;
}

/** Search ports the agent's projections provide; until they exist the lists are empty. */
export interface SearchPorts {
  observations?(query: SearchQuery): Promise<readonly unknown[]>;
  memories?(query: SearchQuery): Promise<readonly unknown[]>;
}

const Search = z
  .object({
    query: z.string().max(500).optional(),
    kind: z.string().min(1).max(100).optional(),
    origin: z.string().min(1).max(200).optional(),
    hours: queryInt(1, 24 * 365).optional(),
    limit: queryInt(1, 500).default(50),
  })
  .strict();

/** /api/observations and /api/memories: `available: false` says the agent has not produced any kind yet. */
export const apiSearchRoutes: RouteGroup = async (app, { deps }) => {
  app.addHook('onRequest', requireScope('read'));
  for (const what of ['observations', 'memories'] as const) {
    app.get(`/api/${what}`, async (request) => {
      const q = parseInput(Search, request.query, 'query') as SearchQuery;
      const search = deps.search?.[what];
      return { available: search !== undefined, items: search ? await search.call(deps.search, q) : [] };
    });
  }
};
