import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';

const level = z.enum(['normal', 'elevated', 'high', 'critical']);
const bytes = z.number().int().min(0);

/**
 * The node's memory pressure changed level (the memory unit, adapters/units/memory.ts). Journaled
 * only on a change, after hysteresis, so a node hovering on a threshold writes one event, not one
 * per sample. The figures are those of the sample that changed it; absent ones could not be read.
 */
export const MemoryPressureChanged = z.object({
  level,
  previous: level,
  budgetBytes: bytes,
  rssBytes: bytes.optional(),
  heapUsedBytes: bytes.optional(),
  heapLimitBytes: bytes.optional(),
  memAvailableBytes: bytes.optional(),
  memTotalBytes: bytes.optional(),
  swapUsedBytes: bytes.optional(),
  /** PSI memory `some` / `full` avg10 (percent); absent on kernels without PSI. */
  psiSomeAvg10: z.number().min(0).max(100).optional(),
  psiFullAvg10: z.number().min(0).max(100).optional(),
});

export const memoryEventSpecs: EventTypeSpec[] = [{ type: 'memory.pressure', v: 1, schema: MemoryPressureChanged }];

declare module './core-events.js' {
  interface EventDataMap {
    'memory.pressure': z.infer<typeof MemoryPressureChanged>;
  }
}

export type MemoryPressureData = z.infer<typeof MemoryPressureChanged>;
