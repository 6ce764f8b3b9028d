import { z } from 'zod';

/** `observer`: how often the node looks at its sensors and writes observations. */
export const observerSection = z
  .object({
    enabled: z.boolean().default(true).describe('Write observations (from the model, or statistical when none is reachable)'),
    intervalMs: z.number().int().min(1000).default(900_000).describe('Time between observations when sensors change at a normal pace (ms)'),
    minIntervalMs: z.number().int().min(1000).default(300_000).describe('Shortest interval, while sensors change fast (ms)'),
    maxIntervalMs: z.number().int().min(1000).default(3_600_000).describe('Longest interval, while everything is quiet (ms)'),
    windowMs: z.number().int().min(60_000).default(900_000).describe('How much recent history each observation looks at (ms)'),
    maxObservations: z.number().int().min(1).max(20).default(5).describe('At most this many observations per run'),
  })
  .strict()
  .refine((o) => o.minIntervalMs <= o.intervalMs && o.intervalMs <= o.maxIntervalMs, { message: 'expected minIntervalMs <= intervalMs <= maxIntervalMs', path: ['intervalMs'] })
  .prefault({})
  .describe('Observer: periodic observations about the sensors');
