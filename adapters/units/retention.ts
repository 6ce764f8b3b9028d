import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, isSmolError } from '../../core/errors.js';
import { runRetention, type RetentionRun } from '../../core/journal/retention.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { createProjections, projectionOptions } from '../../projections/all.js';
import { dataPaths } from '../cli/data-dir.js';
import type { NodeUnit } from './context.js';
import type {} from './journal.js'; // the journal on the shelf
import type {} from './cold-history.js'; // the cold mover on the shelf, when it runs

/** Bytes of the files directly in `dir` (LevelDB's tables and logs; the cold files are counted by their manifest). */
export async function filesBytes(dir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) n += s.size;
  }
  return n;
}

/** How often retention looks when the cold mover does not run (ms). */
const DEFAULT_EVERY_MS = 600_000;

/**
 * The health of a journal that a pass left over its budget: every cold file it could drop is gone,
 * so what stays is LevelDB (the hot window, rollups, projection state and its snapshot). Undefined
 * when it fits.
 */
export function overBudget(levelBytes: number, coldBytes: number, maxBytes: number): { code: string; message: string } | undefined {
  if (maxBytes <= 0 || levelBytes + coldBytes <= maxBytes) return undefined;
  return {
    code: ErrorCodes.JOURNAL_OVER_BUDGET,
    message:
      `the journal holds ${levelBytes + coldBytes} bytes, over journal.maxBytes (${maxBytes} bytes): ${levelBytes} bytes are hot ` +
      `(LevelDB: the journal.hotDays window, minute and hour rollups, projection state and its snapshot), which retention cannot drop` +
      (coldBytes > 0 ? `, and ${coldBytes} bytes of cold history it may not drop yet` : ', and no cold history is left to drop') +
      `; raise journal.maxBytes or lower journal.hotDays or sensors.minuteRetentionDays`,
  };
}

/**
 * Retention (core/journal/retention.ts): every journal.coldMoveIntervalMs (10 minutes when that is
 * 0), drops the oldest cold files while the journal is over journal.maxBytes or they are older than
 * journal.maxAgeDays. Off when both are 0, or without a cold tier. A pass first lets the cold mover
 * finish what it has to move. A pass that must wait (a projection behind the history to drop) says so
 * in health and tries again next time; nothing is lost meanwhile. A journal still over its budget
 * with nothing left to drop is degraded with SMOL_JOURNAL_OVER_BUDGET, saying how many bytes are hot.
 */
export function retentionUnit(): NodeUnit {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopping = false;
  let problem: { state: 'degraded'; code: string; message: string; since: string } | undefined;
  let last: RetentionRun | undefined;
  let passing = false;
  let stopped: () => void = () => undefined;
  const stoppedNow = new Promise<void>((resolve) => (stopped = resolve));

  return {
    name: 'retention',
    needs: ['journal'],
    async start({ config, log, shelf }) {
      const journal = shelf.get('journal');
      const manifest = journal.coldManifest;
      const policy = { maxBytes: config.journal.maxBytes, maxAgeDays: config.journal.maxAgeDays };
      if (!manifest || (policy.maxBytes === 0 && policy.maxAgeDays === 0)) return;
      const journalDir = dataPaths(config.dataDir).journal;
      // Only the projections this node runs: stale data of a removed one must not hold retention up.
      const projections = createProjections(projectionOptions(config)).map((p) => p.name);
      const moves = config.journal.coldMoveIntervalMs > 0;
      const pass = async (): Promise<void> => {
        if (stopping) return;
        try {
          // History still to move is counted in LevelDB and would be counted again as cold files:
          // judge the size once the mover has caught up (during a first migration that is minutes),
          // so retention does not drop cold files that fit once the move is done.
          const mover = moves ? shelf.peek('coldHistory') : undefined;
          if (mover) await Promise.race([mover.moveNow(), stoppedNow]);
          // A held mover (memory pressure, pause) left what it had to move: judge next time.
          if (stopping || (mover && (mover.isPaused || shelf.peek('memoryPressure')?.paused()))) return;
          passing = true;
          const run = await runRetention(journal, manifest, { policy, projections, usedBytes: async () => (await filesBytes(journalDir)) + manifest.totalBytes() });
          if (run.dropped.length) last = run; // said until the next drop, not just until the next pass
          if (run.waiting) {
            const since = problem?.since ?? new Date().toISOString();
            if (!problem) log.warn({ reason: run.waiting }, 'retention waits: the journal stays over its budget for now');
            problem = { state: 'degraded', code: 'SMOL_JOURNAL_RANGE_DROPPED', message: `retention waits: ${run.waiting}`, since };
            return;
          }
          if (run.dropped.length) {
            const bases = Object.fromEntries([...run.bases].map(([o, b]) => [o, b.seq]));
            log.info({ files: run.dropped, throughPosition: run.throughPosition, bytesFreed: run.bytesFreed, bases }, 'retention dropped the oldest cold history; feeds start at their bases');
          }
          const over = overBudget(await filesBytes(journalDir), manifest.totalBytes(), policy.maxBytes);
          if (over && problem?.code !== over.code) log.warn({ code: over.code, maxBytes: policy.maxBytes }, over.message);
          problem = over && { state: 'degraded', ...over, since: problem?.code === over.code ? problem.since : new Date().toISOString() };
        } catch (err) {
          const code = isSmolError(err) ? err.code : 'SMOL_INTERNAL';
          if (problem?.code !== code) log.error({ err, code }, 'retention failed; nothing was dropped, it is tried again');
          problem = { state: 'degraded', code, message: (err as Error).message, since: problem?.since ?? new Date().toISOString() };
        } finally {
          passing = false;
        }
      };
      const runNow = () => (running ??= pass().finally(() => (running = undefined)));
      const every = config.journal.coldMoveIntervalMs > 0 ? config.journal.coldMoveIntervalMs : DEFAULT_EVERY_MS;
      timer = setInterval(() => void runNow(), every);
      timer.unref();
      // With a mover, the first pass is at its first look: a pass moves first, and a move at start
      // would compete with the projections' catch-up.
      if (!(moves && shelf.peek('coldHistory'))) void runNow();
    },
    async stop() {
      stopping = true;
      stopped();
      if (timer) clearInterval(timer);
      await running;
    },
    health(): UnitHealth {
      // Said while a pass runs (it snapshots every projection, seconds on a Pi), so an operator and
      // the soak benchmark can tell a pass from an idle unit, as the cold mover says it moves.
      const during = passing ? ' (a retention pass is running)' : '';
      if (problem) return { state: problem.state, code: problem.code, message: problem.message + during, since: problem.since };
      if (passing) return { state: 'running', message: 'a retention pass is running' };
      return { state: 'running', ...(last?.dropped.length ? { message: `last dropped ${last.dropped.length} cold file(s), ${last.bytesFreed} bytes` } : {}) };
    },
  };
}
