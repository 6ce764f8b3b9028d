import { z } from 'zod';

/** `dataDir`; loadConfig makes it absolute, against the working directory it was given. */
export const dataDirField = z
  .string()
  .min(1)
  // A NUL byte makes every file call throw a TypeError; say so here instead.
  .refine((dir) => !dir.includes('\0'), 'must not contain a NUL character')
  .default('./data')
  .describe('Where the journal and the node identity live (relative to the working directory)');
