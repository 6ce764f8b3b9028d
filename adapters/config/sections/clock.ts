import { z } from 'zod';

const ms = () => z.number().int().min(0);

/** `clock`: hybrid logical clock thresholds, passed to HlcClock. */
export const clockSection = z
  .object({
    maxOffsetMs: ms().default(60_000).describe('A peer timestamp further ahead than this does not move our clock (ms)'),
    forwardJumpMs: ms().default(3_600_000).describe('A wall-clock jump forward larger than this is reported (ms)'),
    backwardJumpMs: ms().default(1_000).describe('A wall-clock step backward larger than this is reported (ms)'),
  })
  .strict()
  .prefault({})
  .describe('Hybrid logical clock');
