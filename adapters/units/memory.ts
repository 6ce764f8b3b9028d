import { getHeapStatistics } from 'node:v8';
import { ErrorCodes } from '../../core/errors.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { atLeast, MemoryPressureMonitor, type MemoryLevel, type MemoryStatus } from '../../core/runtime/memory-pressure.js';
import type { MemoryPressureData } from '../../core/events/memory-events.js';
import { memoryReader, type MemoryReading } from '../sensors/memory-readers.js';
import { rateLimitedLog } from '../log/rate-limit.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /**
     * The node's memory pressure: `level()`, `onChange(listener)`, `paused()` (true while high or
     * critical: bulk work waits) and `status()` for /api/health. Put by the memory unit, which
     * starts right after the journal.
     */
    memoryPressure: MemoryPressureMonitor;
    /** Set by the composition root when a test drives the samples (StartOptions.memoryReader). */
    memoryReader: () => Promise<MemoryReading>;
  }
}

const MIB = 1024 * 1024;
/** The journal's ring of recent events when there is no pressure (LevelJournal's default). */
const RING_NORMAL = 4096;

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / MIB));

/** The figures of a status as the log and the memory.pressure event carry them. */
function figures(status: MemoryStatus): Omit<MemoryPressureData, 'level' | 'previous'> {
  const s = status.sample ?? {};
  const swapUsed = s.swapTotalBytes !== undefined && s.swapFreeBytes !== undefined ? s.swapTotalBytes - s.swapFreeBytes : undefined;
  const whole = (v: number | undefined) => (v === undefined ? undefined : Math.max(0, Math.round(v)));
  const entries = {
    budgetBytes: status.budgetBytes,
    rssBytes: whole(s.rssBytes),
    heapUsedBytes: whole(s.heapUsedBytes),
    heapLimitBytes: whole(s.heapLimitBytes),
    memAvailableBytes: whole(s.memAvailableBytes),
    memTotalBytes: whole(s.memTotalBytes),
    swapUsedBytes: whole(swapUsed),
    psiSomeAvg10: s.psiSomeAvg10,
    psiFullAvg10: s.psiFullAvg10,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Omit<MemoryPressureData, 'level' | 'previous'>;
}

/**
 * Samples the process (RSS, V8 heap) and the machine (MemAvailable, swap, PSI) every
 * memory.sampleIntervalMs against memory.budgetMb, and puts the level on the shelf as
 * `memoryPressure`. It needs only the journal and starts before everything that allocates, so the
 * level is known while projections catch up. Under high pressure it shrinks the journal's ring
 * of recent events; HTTP refuses WebSocket catch-ups and large sync pushes, the observer skips
 * rounds and vector bulk builds wait (they read `memoryPressure`). It journals nothing itself:
 * `memory-journal` (after `begin`) does.
 */
export function memoryUnit(): NodeUnit {
  let monitor: MemoryPressureMonitor | undefined;
  let timer: NodeJS.Timeout | undefined;
  let enabled = true;
  return {
    name: 'memory',
    needs: ['journal'],
    stopTimeoutMs: 500,
    async start({ config, log, shelf }) {
      const settings = config.memory;
      enabled = settings.enabled;
      const mon = (monitor = new MemoryPressureMonitor(settings.budgetMb * MIB, { onListenerError: (err) => log.error({ err }, 'a memory pressure listener failed') }));
      shelf.put('memoryPressure', mon);
      if (!enabled) return;
      const journal = shelf.get('journal');
      mon.onChange((level, previous) => {
        const f = figures(mon.status());
        const line = `memory pressure ${previous} → ${level}: RSS ${mb(f.rssBytes) ?? '?'} MB of a ${settings.budgetMb} MB budget, heap ${mb(f.heapUsedBytes) ?? '?'} of ${mb(f.heapLimitBytes) ?? '?'} MB, ${mb(f.memAvailableBytes) ?? '?'} MB available on the machine`;
        const fields = { level, previous, ...f };
        if (atLeast(level, 'high')) log.warn(fields, line);
        else log.info(fields, line);
        // The ring is a cache of what is on disk: under pressure, live subscribers read back instead.
        journal.resizeRing(atLeast(level, 'high') ? settings.ringUnderPressure : RING_NORMAL);
      });
      const read = shelf.peek('memoryReader') ?? memoryReader();
      // A heap allowed to grow past the budget hits the budget first; npm start and the systemd unit cap it.
      const heapLimit = getHeapStatistics().heap_size_limit;
      if (heapLimit > settings.budgetMb * MIB) log.info({ heapLimitBytes: heapLimit, budgetBytes: settings.budgetMb * MIB }, `memory: V8 may grow its heap to ${mb(heapLimit)} MB, above the ${settings.budgetMb} MB budget, so RSS is not held to the budget (only the heap, MemAvailable and PSI count); run node with --max-old-space-size=${Math.max(64, settings.budgetMb - 96)} (npm start and deploy/smollama.service do for the default budget)`);
      const problems = rateLimitedLog(log);
      let busy = false;
      const sample = async () => {
        if (busy) return;
        busy = true;
        try {
          const reading = await read();
          for (const p of reading.problems) problems('warn', p, { problem: p }, `memory: cannot read ${p}`);
          mon.update(reading.sample);
        } catch (err) {
          problems('error', 'sample', { err }, 'memory: sampling failed');
        } finally {
          busy = false;
        }
      };
      await sample();
      timer = setInterval(() => void sample(), settings.sampleIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    health(): UnitHealth {
      if (!enabled) return { state: 'stopped', message: 'off (memory.enabled is false)' };
      const status = monitor?.status();
      if (!status) return { state: 'running' };
      const since = new Date(status.sinceMs).toISOString();
      const message = `${status.level}: RSS ${mb(status.sample?.rssBytes) ?? '?'} MB of ${mb(status.budgetBytes)} MB`;
      if (atLeast(status.level, 'high')) return { state: 'degraded', code: ErrorCodes.MEMORY_PRESSURE, message, since };
      return { state: 'running', message, since };
    },
  };
}

/**
 * Journals `memory.pressure` on every change of level (the monitor's hysteresis keeps that rare),
 * and once at its start when the node is already under pressure. It runs after `begin`: nothing
 * is journaled before everything that can fail has been acquired.
 */
export function memoryJournalUnit(): NodeUnit {
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'memory-journal',
    needs: ['begin', 'memory'],
    async start({ config, log, shelf }) {
      if (!config.memory.enabled) return;
      const monitor = shelf.get('memoryPressure');
      const journal = shelf.get('journal');
      const failed = rateLimitedLog(log);
      const write = (level: MemoryLevel, previous: MemoryLevel) => {
        void journal.appendOne('memory.pressure', { level, previous, ...figures(monitor.status()) }).catch((err: unknown) => failed('warn', 'append', { err }, 'memory: could not journal memory.pressure'));
      };
      unsubscribe = monitor.onChange(write);
      if (monitor.level() !== 'normal') write(monitor.level(), 'normal');
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
    health: () => ({ state: 'running' }),
  };
}
