import { statfs } from 'node:fs/promises';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { Logger } from '../log/logger.js';
import { rateLimitedLog } from '../log/rate-limit.js';

/** Free space a repair needs before it is tried: LevelDB flushes its memtable (up to 4 MiB) to a table. */
export const REPAIR_MIN_FREE_BYTES = 4 * 1024 * 1024;

/** How long a journal that cannot write stays quiet in the log before it says so again (with a count). */
const REMIND_EVERY_MS = 60_000;

/** Free bytes for an unprivileged writer on the filesystem holding `dir`; undefined when statfs fails. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Watches the data disk for a journal: statfs every `intervalMs` (cheap: one syscall) sets the
 * low-space state against `minFreeBytes`, a failed write is repaired once there is room again,
 * and both are logged once when they begin, once when they end, and at most once a minute between.
 */
export function watchDataDisk(options: {
  journal: LevelJournal;
  dataDir: string;
  minFreeBytes: number;
  intervalMs?: number;
  log: Logger;
}): { stop(): void } {
  const { journal, dataDir, minFreeBytes, log } = options;
  journal.enableRepair({ roomToWrite: async () => ((await freeBytes(dataDir)) ?? Infinity) >= REPAIR_MIN_FREE_BYTES });
  // The fault and its reminders share one key: said at once, then at most once a minute, with a count.
  const limited = rateLimitedLog(log, REMIND_EVERY_MS);
  const unsubscribe = journal.onWriteFault((fault, recovered) => {
    if (fault) {
      limited('error', 'write-fault', { code: fault.code }, `journal: ${fault.code}: writes are refused until it can write again (${fault.message}); readings resume by themselves once there is room`);
    } else if (recovered) {
      limited.clear('write-fault');
      log.info({ afterMs: recovered.afterMs, refused: recovered.refused }, `journal: writing again after ${(recovered.afterMs / 1000).toFixed(1)} s; ${recovered.refused} appends were refused meanwhile`);
    }
  });
  const check = async () => {
    const fault = journal.writeFault();
    if (fault) limited('error', 'write-fault', { code: fault.code, refused: fault.refused }, `journal: ${fault.code}: still refusing writes after ${Math.round((Date.now() - fault.sinceMs) / 1000)} s; ${fault.refused} appends refused so far`);
    if (minFreeBytes <= 0) return;
    const free = await freeBytes(dataDir);
    if (free === undefined) return;
    const low = free < minFreeBytes;
    if (low === journal.diskLow) return;
    journal.setDiskLow(low);
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const say = low ? log.warn.bind(log) : log.info.bind(log);
    say(low
      ? `journal: SMOL_DISK_LOW: ${mib(free)} free in ${dataDir}, below journal.minFreeBytes (${mib(minFreeBytes)}); observations, agent questions and sync imports are refused, readings go on`
      : `journal: ${mib(free)} free again in ${dataDir}; every write is accepted`);
  };
  let checking: Promise<void> | undefined;
  const tick = () => void (checking ??= check().finally(() => (checking = undefined)));
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 2000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
