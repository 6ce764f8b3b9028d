import { SmolError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { JournalState, WriteFault } from './journal-state.js';

/**
 * What a journal refuses while free space is below the low-space watermark (journal.minFreeBytes).
 * Readings are the product, and GPIO, memories, lifecycle and seals are small and can't be had
 * again: they are kept. These are large or can be had again later: the observer's observations
 * (each carries an embedding; the next run observes again), agent questions and their tool calls
 * (the user asks again), and every foreign event (sync, USB import): its origin still holds it,
 * and the next sync fetches it once there is room.
 */
export const LOW_VALUE_TYPES: ReadonlySet<string> = new Set(['observation.recorded', 'agent.asked', 'agent.answered', 'tool.called', 'tool.completed']);

/** Told when the journal starts refusing writes (a fault) and when it writes again (undefined). */
export type FaultListener = (fault: WriteFault | undefined, recovered?: { afterMs: number; refused: number }) => void;

/** How the journal repairs LevelDB after a failed write, and how it knows there is room again. */
export interface WriteRepair {
  /** True when the disk has room for a write again (the CLI: statfs of the data dir). */
  roomToWrite(): Promise<boolean>;
}

/** Backoff between repair attempts (each is one statfs until there is room): journaling is back within ~0.5 s of space returning. */
const BACKOFF_MS = [100, 200, 400, 500] as const;

/**
 * Refuses writes while the journal cannot write, and brings it back.
 *
 * Why a failed batch stops all writes until a repair: a write that fails midway (ENOSPC) can leave
 * a partial record in LevelDB's log, and LevelDB drops everything after such a record when it
 * recovers the log at the next open. Measured on a full tmpfs: 500 appends acknowledged after space
 * returned were all gone after a restart. Writes stay refused until the log is rolled: a
 * compactRange flushes the memtable (which holds every acknowledged write) to a table and starts a
 * new log. When LevelDB has latched the error (a failed fsync or compaction), only a close and
 * reopen clears it. A repair is tried only when `roomToWrite` says so, since a flush that fails on
 * a full disk would itself latch the error.
 */
export class WriteGuard {
  private listeners: FaultListener[] = [];
  private repair: WriteRepair | undefined;
  private repairing: Promise<void> | undefined;
  private stopped = false;
  /** Ends the backoff wait early (stop). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly state: JournalState,
    private readonly now: () => number = Date.now,
  ) {}

  /** Enables repair after a failed write (without one, a fault lasts until restart). */
  setRepair(repair: WriteRepair): void {
    this.repair = repair;
    if (this.state.fault) this.startRepair();
  }

  onFault(listener: FaultListener): () => void {
    this.listeners.push(listener);
    return () => void (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** The error an append of these types gets now, or undefined when it may be written. `count`: an append the user sees refused. */
  refusal(types: readonly string[] | 'foreign', count = true): SmolError | undefined {
    const fault = this.state.fault;
    if (fault) {
      if (count) fault.refused += 1;
      return new SmolError(fault.code, `the journal cannot write (${fault.message}); nothing was stored`);
    }
    if (this.state.diskLow && (types === 'foreign' || types.some((t) => LOW_VALUE_TYPES.has(t)))) {
      return new SmolError(ErrorCodes.DISK_LOW, 'the data disk is low on space (below journal.minFreeBytes): only readings and other own events are stored; nothing was stored');
    }
    return undefined;
  }

  /** A batch failed: refuse writes from now on and repair in the background. Returns the error for its writers. */
  failed(cause: unknown): SmolError {
    const detail = String((cause as Error)?.message ?? cause);
    const code: ErrorCode = /no space left|ENOSPC|disk full/i.test(detail) ? ErrorCodes.DISK_FULL : ErrorCodes.JOURNAL_WRITE_FAILED;
    if (!this.state.fault) {
      this.state.fault = { code, message: detail, sinceMs: this.now(), refused: 0 };
      this.emit(this.state.fault);
      this.startRepair();
    }
    return new SmolError(code, `journal write failed: ${detail}`, { cause });
  }

  /** Stops repairing (the journal is closing) and waits for an attempt in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.repairing;
  }

  private startRepair(): void {
    if (!this.repair || this.repairing || this.stopped) return;
    this.repairing = this.repairLoop(this.repair).finally(() => (this.repairing = undefined));
  }

  private async repairLoop(repair: WriteRepair): Promise<void> {
    for (let attempt = 0; !this.stopped && this.state.fault; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
        (timer as { unref?: () => void }).unref?.(); // a retry never keeps a stopping process alive
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.stopped || this.state.closed) return;
      if (!(await repair.roomToWrite().catch(() => false))) continue;
      if (!(await this.rollLog())) continue;
      const fault = this.state.fault!;
      this.state.fault = undefined;
      this.emit(undefined, { afterMs: this.now() - fault.sinceMs, refused: fault.refused });
    }
  }

  /**
   * Flushes the memtable and starts a new log, then proves the database writes with a small synced
   * put (LevelDB's CompactRange reports nothing: with a latched error it silently does nothing).
   * When the probe fails, closes and reopens the database: that clears a latched error, and
   * recovery replays the log up to the failed record (nothing after it was acknowledged: every
   * write was refused from the failure on).
   */
  private async rollLog(): Promise<boolean> {
    const db = this.state.db as unknown as {
      compactRange?: (a: Buffer, b: Buffer) => Promise<void>;
      put(key: Buffer, value: Buffer, options: { sync: boolean }): Promise<void>;
      close(): Promise<void>;
      open(): Promise<void>;
    };
    if (typeof db.compactRange !== 'function') return true; // memory-level: nothing on disk to repair
    const probe = this.state.layout.metaOp('write-probe', this.now());
    try {
      // A range past every key: only the memtable flush (and the new log) happens, no table is rewritten.
      await db.compactRange(Buffer.from([0xff, 0xff, 0xff, 0xfe]), Buffer.from([0xff, 0xff, 0xff, 0xff]));
      await db.put(probe.key, probe.value, { sync: true });
      return true;
    } catch {
      // Latched (or the probe itself failed): reopen, then probe again.
    }
    try {
      await db.close();
      await db.open();
      await db.put(probe.key, probe.value, { sync: true });
      return true;
    } catch {
      return false;
    }
  }

  private emit(fault: WriteFault | undefined, recovered?: { afterMs: number; refused: number }): void {
    for (const l of this.listeners) {
      try {
        l(fault, recovered);
      } catch {
        // A listener's failure is its own; the journal goes on.
      }
    }
  }
}
