import { isSmolError } from '../../core/errors.js';
import { DAY_MS } from '../../core/journal/cold/cold-tier.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { MemoryPressureMonitor } from '../../core/runtime/memory-pressure.js';
import type { NodeUnit } from './context.js';

/** The background move of old history into cold files, as other units see it. */
export interface ColdHistoryControl {
  /** Stops moving (between batches of a move in progress) until resume(); the memory unit calls it under pressure. */
  pause(): void;
  resume(): void;
  readonly isPaused: boolean;
  /** Runs the mover now until nothing is left to move; resolves with the files written. */
  moveNow(): Promise<number>;
}

declare module './context.js' {
  interface Provided {
    coldHistory: ColdHistoryControl;
    /** Declared by journal.ts too (the same type), so this file typechecks on its own. */
    journal: LevelJournal;
    /** Declared by memory.ts too: moves wait while it says paused (high or critical pressure). */
    memoryPressure: MemoryPressureMonitor;
  }
}

/** A move stops at its next batch when the node stops (a crash-safe point: docs/cold-history.md). */
class Stopping extends Error {}

/** Pause between batches of 1,000 events: keeps a move a background trickle on a Pi (ms). */
const BATCH_PAUSE_MS = 20;

/**
 * Moves history older than journal.hotDays into cold files (core/journal/cold/), every
 * journal.coldMoveIntervalMs, one file at a time, pausing between batches, and not while paused
 * (pause(), or the memory unit's memoryPressure.paused(): high or critical). Degraded with the code
 * while moves fail (they are retried; nothing is lost: the events stay hot).
 */
export function coldHistoryUnit(): NodeUnit {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopping = false;
  let paused = false;
  let wakePaused: Array<() => void> = [];
  let failure: { code: string; message: string; since: string } | undefined;
  let moveAll: () => Promise<number> = async () => 0;
  let memoryPaused: () => boolean = () => false;
  const held = () => paused || memoryPaused();

  const throttle = async (): Promise<void> => {
    if (stopping) throw new Stopping();
    await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
    while (held() && !stopping) {
      // resume() wakes a pause of ours; memory pressure is looked at again every second.
      await new Promise<void>((resolve) => {
        wakePaused = [resolve]; // one move at a time: one waiter
        if (!paused) setTimeout(resolve, 1000);
      });
    }
    if (stopping) throw new Stopping();
  };

  const control: ColdHistoryControl = {
    pause: () => void (paused = true),
    resume() {
      paused = false;
      const w = wakePaused;
      wakePaused = [];
      for (const wake of w) wake();
    },
    get isPaused() {
      return paused;
    },
    moveNow: () => (running ??= moveAll().finally(() => (running = undefined))),
  };

  return {
    name: 'cold-history',
    needs: ['journal'],
    async start({ config, log, shelf }) {
      const journal = shelf.get('journal');
      memoryPaused = () => shelf.peek('memoryPressure')?.paused() ?? false;
      const settings = {
        hotMs: config.journal.hotDays * DAY_MS,
        fileSpanMs: DAY_MS,
        maxEvents: config.journal.coldFileMaxEvents,
        now: () => Date.now(),
        cluster: config.sync.cluster,
        throttle,
      };
      moveAll = async () => {
        let files = 0;
        try {
          while (!stopping && !held()) {
            const moved = await journal.moveCold(settings);
            if (!moved) break;
            files++;
            const e = moved.entry;
            log.info({ file: e.name, events: e.events, bytes: e.bytes, positions: `${e.fromPosition}..${e.toPosition}` }, 'history moved to a cold file');
          }
          failure = undefined;
        } catch (err) {
          if (err instanceof Stopping) return files;
          const code = isSmolError(err) ? err.code : 'SMOL_INTERNAL';
          if (failure?.code !== code) log.error({ err, code }, 'moving history cold failed; the events stay hot and the move is retried');
          failure = { code, message: (err as Error).message, since: failure?.since ?? new Date().toISOString() };
        }
        return files;
      };
      shelf.put('coldHistory', control);
      const every = config.journal.coldMoveIntervalMs;
      if (every > 0) {
        timer = setInterval(() => {
          if (!held()) void control.moveNow();
        }, every);
        timer.unref();
      }
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      control.resume();
      await running;
    },
    health(): UnitHealth {
      if (failure) return { state: 'degraded', code: failure.code, message: `moving history cold fails: ${failure.message}`, since: failure.since };
      // Said while a move runs, so an operator (and the soak benchmark) can tell a one-time
      // migration of old history from a node's steady state.
      if (running) return { state: 'running', message: 'moving history cold' };
      return { state: 'running' };
    },
  };
}
