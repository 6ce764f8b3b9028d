import type { LevelJournal } from '../../core/journal/level-journal.js';
import { ErrorCodes } from '../../core/errors.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { openNodeJournal } from '../cli/data-dir.js';
import { clockSkewReporter } from '../sync/clock-skew-reporter.js';
import { portLog } from '../log/logger.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    journal: LevelJournal;
    /** The first log position of this run (what the MQTT stream starts from on a fresh node). */
    firstPosition: number;
  }
}

/**
 * The journal: takes the LevelDB lock, reads the node's key (and tightens the data directory's
 * modes). Degraded while it cannot write (disk full, I/O error) or refuses low-value writes (low space).
 */
export function journalUnit(): NodeUnit {
  let journal: LevelJournal | undefined;
  return {
    name: 'journal',
    needs: [],
    stopTimeoutMs: 3000,
    async start({ config, log, shelf }) {
      const skew = clockSkewReporter({ journal: () => journal, maxOffsetMs: config.clock.maxOffsetMs, log: portLog(log) });
      journal = await openNodeJournal(config, {
        clock: { onJump: (jump) => shelf.peek('node')?.reportClockJump(jump), ...skew },
        warn: (line) => log.warn(line),
      });
      shelf.put('journal', journal);
      shelf.put('firstPosition', journal.lastPosition() + 1);
    },
    async stop() {
      await journal?.close();
    },
    health(): UnitHealth {
      const fault = journal?.writeFault();
      if (fault) return { state: 'degraded', code: fault.code, message: fault.code === ErrorCodes.DISK_FULL ? 'the data disk is full: writes are refused until there is room again' : 'the journal cannot write: writes are refused until it can again', since: new Date(fault.sinceMs).toISOString() };
      if (journal?.diskLow) return { state: 'degraded', code: ErrorCodes.DISK_LOW, message: 'free space on the data disk is below journal.minFreeBytes' };
      return { state: 'running' };
    },
  };
}
