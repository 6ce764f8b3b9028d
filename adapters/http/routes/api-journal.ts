import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { JournalEntry } from '../../../core/events/event.js';
import { eventDelivery, type EventDelivery } from '../../../journal-tools/event-delivery.js';
import { inspectEvent, type InspectedEvent } from '../../../journal-tools/inspect.js';
import { journalCounts } from '../../../journal-tools/stats.js';
import { allProjections } from '../../../projections/all.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { csvList, queryInt } from './query.js';

const JournalQuery = z
  .object({
    types: csvList.optional(),
    origins: csvList.optional(),
    from: queryInt(1, 2 ** 48).optional(),
    to: queryInt(1, 2 ** 48).optional(),
    limit: queryInt(1, 1000).default(100),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
/** GET /api/journal/events/:id: the entry, its stored hash and size (bytes), HLC as ISO time, and who delivered it. */
export type JournalEventDetail = InspectedEvent & { readonly delivery: EventDelivery };

const EventParams = z.object({ id: z.string().regex(/^[^:]{1,200}:[1-9]\d{0,15}$/, 'expected an event id origin:seq') });
const PositionParams = z.object({ position: queryInt(1, 2 ** 48) });
const InspectQuery = z
  .object({ id: EventParams.shape.id.optional(), position: queryInt(1, 2 ** 48).optional() })
  .strict()
  .refine((q) => (q.id === undefined) !== (q.position === undefined), { message: 'give either id (origin:seq) or position', path: ['id'] });

/**
 * Journal queries: by type, origin and position range; one event by id or position; what
 * `smollama journal stats` and `journal inspect` show, so they work next to a running node.
 */
export const apiJournalRoutes: RouteGroup = async (app, { deps }) => {
  const { journal } = deps;
  app.addHook('onRequest', requireScope('read'));

  app.get('/api/journal', async (request) => {
    const q = parseInput(JournalQuery, request.query, 'query');
    // Read up to a position fixed first, so a client can subscribe from lastPosition + 1 with no gap.
    const last = journal.lastPosition();
    const entries: JournalEntry[] = [];
    if (last === 0) return { lastPosition: 0, entries };
    for await (const e of journal.read({
      ...(q.from !== undefined ? { fromPosition: q.from } : {}),
      toPosition: Math.min(q.to ?? last, last),
      ...(q.types?.length ? { types: q.types } : {}),
      ...(q.origins?.length ? { origins: q.origins } : {}),
      limit: q.limit,
      reverse: q.order === 'desc',
    })) {
      entries.push(e);
    }
    return { lastPosition: last, entries };
  });

  // The event with what the dashboard's detail shows: its stored hash and size, and who delivered it.
  app.get('/api/journal/events/:id', async (request) => {
    const { id } = parseInput(EventParams, request.params, 'params');
    const inspected = await inspectEvent(journal, { id }); // SMOL_NOT_FOUND when this journal lacks it
    return { ...inspected, delivery: await eventDelivery(journal, inspected) } satisfies JournalEventDetail;
  });

  app.get('/api/journal/positions/:position', async (request) => {
    const { position } = parseInput(PositionParams, request.params, 'params');
    const entry = await journal.getAt(position);
    if (!entry) throw new SmolError(ErrorCodes.NOT_FOUND, `no event at position ${position} (last is ${journal.lastPosition()})`);
    return entry;
  });

  // `journal inspect`: the event with the hash and size of its stored bytes.
  app.get('/api/journal/inspect', async (request) => {
    const q = parseInput(InspectQuery, request.query, 'query');
    return inspectEvent(journal, q.id !== undefined ? { id: q.id } : { position: q.position! });
  });

  // `journal stats` without the size on disk (the CLI measures the data directory itself). A full
  // scan: it costs what the local command costs, interleaved with the node's other work.
  // Projections as they run (applied in memory, committed at most once a minute), not as last stored.
  app.get('/api/journal/stats', async () => {
    const counts = await journalCounts(journal, allProjections.map((p) => p.name));
    return {
      ...counts,
      projections: counts.projections.map((p) => {
        const runner = deps.node.runner(p.name);
        return { name: p.name, version: runner.projection.version, position: runner.position };
      }),
    };
  });
};
