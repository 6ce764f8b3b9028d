import { z } from 'zod';

/** `journal`: when this node seals its feed. */
export const journalSection = z
  .object({
    sealEvery: z.number().int().min(1).default(1000).describe('Sign the chain head after this many own events'),
    sealIntervalMs: z.number().int().min(1000).default(600_000).describe('Or after this long, when there are unsealed events (ms)'),
    readingsCommitMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(10_000)
      .describe('Readings (reading.sampled only) are group-committed over this window: one fsync per window, and a power cut loses at most this long of readings. Everything else is durable before it is acknowledged. 0 = every reading its own fsync (ms)'),
    minFreeBytes: z
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * 1024)
      .describe('Below this much free space on the data disk, refuse low-value writes (observations, agent questions, sync imports) with SMOL_DISK_LOW; readings go on. 0 = off'),
  })
  .strict()
  .prefault({})
  .describe('Journal: how often this node seals (signs) its feed, and the low-space watermark');
