import { z } from 'zod';

/** `agent`: the tool loop and the code sandbox. */
export const agentSection = z
  .object({
    maxIterations: z.number().int().min(1).max(50).default(6).describe('Most model calls per question (each may call tools)'),
    instructions: z.string().default('').describe('Extra instructions appended to the system prompt'),
    codeTimeoutMs: z.number().int().min(10).default(2000).describe('run_code: wall-clock limit per run (ms)'),
    codeMemoryBytes: z.number().int().min(1_048_576).default(33_554_432).describe('run_code: memory limit (bytes)'),
    codeStackBytes: z.number().int().min(65_536).default(524_288).describe('run_code: stack limit (bytes)'),
    rememberThreshold: z.number().min(0).max(1).default(0.9).describe('remember: a memory this similar (cosine) to an existing one confirms it instead'),
    // test/bench/vectors-cap-bench.ts: at 10,000 the 384-d index levels off at ~38 MB of RSS (35,000
    // uncapped: +73 MB and growing), a seventh of memory.budgetMb's 256, ~100 days of a default node's observations.
    maxIndexedVectors: z
      .number()
      .int()
      .min(100)
      .max(10_000_000)
      .default(10_000)
      .describe('Most observation and memory vectors the semantic-search index holds in memory; over it the oldest observations leave it (memories last) (docs/vector-index.md)'),
  })
  .strict()
  .prefault({})
  .describe('Agent: tool loop limits and sandbox');
