import { z } from 'zod';

/**
 * `memory`: the node's memory budget and how it behaves under pressure (adapters/units/memory.ts).
 *
 * Why 256 MB: a 2 GB Pi shares its RAM with the OS (~250 MB with journald, sshd, networking),
 * Ollama and a small model (a 1B model at Q4 is ~0.8–1.3 GB resident while loaded), and the page
 * cache that keeps LevelDB's reads off the SD card. What is left for the node is ~300–400 MB; a
 * quarter of the board at most, 256 MB, leaves the rest to the model and the cache. The V8 old
 * space is capped below it (`--max-old-space-size=160` in `npm start` and deploy/smollama.service).
 */
export const memorySection = z
  .object({
    enabled: z.boolean().default(true).describe('Watch memory and degrade gracefully under pressure (memory.pressure events, refusals with SMOL_MEMORY_PRESSURE)'),
    budgetMb: z.number().int().min(32).max(65_536).default(256).describe('What this node process may use (resident set, MB): 75 % is elevated, 90 % high, 100 % critical'),
    sampleIntervalMs: z.number().int().min(250).max(600_000).default(5000).describe('How often the process and the machine are sampled (ms)'),
    largeSyncPushBytes: z
      .number()
      .int()
      .min(0)
      .default(1 << 20)
      .describe('While pressure is high, sync pushes larger than this are refused with SMOL_MEMORY_PRESSURE (critical refuses every push)'),
    ringUnderPressure: z.number().int().min(16).default(256).describe('Recent events kept in memory for live subscribers while pressure is high (normally 4096)'),
  })
  .strict()
  .prefault({})
  .describe('Memory: the budget of this node process and graceful degradation under pressure');

export type MemorySettings = z.output<typeof memorySection>;
