import { z } from 'zod';

/** `projections`: how often read models write their state to disk (they catch up from the journal after a crash). */
export const projectionsSection = z
  .object({
    commitIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe('Commit projection changes at most this long after they were applied (ms); after a crash a projection catches up from the journal'),
    commitEvery: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Also commit after this many applied events (bounds memory during a catch-up or a large import)'),
  })
  .strict()
  .prefault({})
  .describe('Projections (read models)');
