import { z } from 'zod';

/** `journal`: when this node seals its feed. */
export const journalSection = z
  .object({
    sealEvery: z.number().int().min(1).default(1000).describe('Sign the chain head after this many own events'),
    sealIntervalMs: z.number().int().min(1000).default(600_000).describe('Or after this long, when there are unsealed events (ms)'),
  })
  .strict()
  .prefault({})
  .describe('Journal: how often this node seals (signs) its feed');
