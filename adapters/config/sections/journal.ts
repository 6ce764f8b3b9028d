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
    hotDays: z.number().min(1).max(36_500).default(7).describe('Events older than this (by their HLC wall time) move, once, into compressed, signed cold files under <dataDir>/journal/cold/ (days)'),
    coldMoveIntervalMs: z.number().int().min(0).default(60_000).describe('How often the background mover looks for history to move cold; a file is cut once about a day of events is past hotDays. 0 = never move (ms)'),
    coldFileMaxEvents: z.number().int().min(1000).max(5_000_000).default(200_000).describe('Most events in one cold file'),
    minFreeBytes: z
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * 1024)
      .describe('Below this much free space on the data disk, refuse low-value writes (observations, agent questions, sync imports) with SMOL_DISK_LOW; readings go on. 0 = off'),
    maxBytes: z
      .number()
      .int()
      .min(0)
      .default(1024 * 1024 * 1024)
      .describe('Retention: storage budget for the whole journal (LevelDB + cold files). Over it, the oldest cold files are dropped; each feed then starts at a signed basis, rollups and memories survive (docs/retention.md). Default 1 GiB: years of history at the default sampling, and under a tenth of a 16 GB SD card. 0 = unlimited (bytes)'),
    maxAgeDays: z.number().min(0).max(36_500).default(0).describe('Retention: also drop cold files whose newest event is older than this. 0 = no age limit (days)'),
  })
  .strict()
  .prefault({})
  .describe('Journal: how often this node seals (signs) its feed, and the low-space watermark');
