import { z } from 'zod';

/** `dataDir`; loadConfig makes it absolute, against the working directory it was given. */
export const dataDirField = z
  .string()
  .min(1)
  .default('./data')
  .describe('Where the journal and the node identity live (relative to the working directory)');
