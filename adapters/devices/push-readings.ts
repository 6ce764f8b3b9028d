import type { Journal } from '../../core/journal/journal.js';
import type { PushReadings } from '../../core/devices/device-port.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';

/** Pushes held while the node has not begun (at most this many; more are refused). */
const MAX_HELD = 256;

/** The push path with the gate that keeps it shut outside `node.started` … `node.stopped`. */
export interface ReadingsPush {
  readonly push: PushReadings;
  /** Called once `node.started` is journaled: held pushes are written, later ones go straight through. */
  open(): void;
  /** Called before `node.stopped` is journaled: later pushes are refused (SMOL_NODE_NOT_RUNNING). */
  close(): void;
  /** Pushes written, and refused (gate closed, too many held, or the journal refused them). */
  counts(): { readonly written: number; readonly refused: number };
}

/**
 * `onPush` hears every push at once (edge-hub.ts).
 *
 * Journals readings that happen now (a GPIO edge, a pulse) as one `reading.sampled` each, outside
 * the sampler's ticks. Nothing is journaled before the node has begun: a push that comes earlier
 * waits for the gate (bounded). Rejects with SMOL_NODE_NOT_RUNNING once closed or when too many
 * wait, and with the journal's own error (SMOL_DISK_FULL, …) when it refuses the write. Values
 * that are not finite are dropped here: the journal holds measurements only.
 */
export function createReadingsPush(journal: Pick<Journal, 'appendOne'>, options: { readonly onPush?: (values: Readonly<Record<string, number>>) => void } = {}): ReadingsPush {
  let state: 'waiting' | 'open' | 'closed' = 'waiting';
  let held: Array<() => void> = [];
  let written = 0;
  let refused = 0;
  const refuse = (why: string): Promise<never> => {
    refused += 1;
    return Promise.reject(new SmolError(ErrorCodes.NODE_NOT_RUNNING, `reading not journaled: ${why}`));
  };
  const write = async (values: Record<string, number>): Promise<void> => {
    if (state === 'closed') return refuse('the node is stopping');
    try {
      await journal.appendOne('reading.sampled', { values });
      written += 1;
    } catch (err) {
      refused += 1;
      throw err;
    }
  };
  const push: PushReadings = async (values) => {
    const finite: Record<string, number> = {};
    for (const [k, v] of Object.entries(values)) if (Number.isFinite(v)) finite[k] = v;
    if (Object.keys(finite).length === 0) return;
    // Listeners (GPIO edges for pulse counters) hear of it now, whatever the journal does with it.
    options.onPush?.(finite);
    if (state === 'closed') return refuse('the node is stopping');
    if (state === 'waiting') {
      if (held.length >= MAX_HELD) return refuse(`more than ${MAX_HELD} readings wait for the node to begin`);
      await new Promise<void>((resolve) => held.push(resolve));
    }
    return write(finite);
  };
  const release = () => {
    const waiting = held;
    held = [];
    for (const go of waiting) go();
  };
  return {
    push,
    open() {
      if (state !== 'waiting') return;
      state = 'open';
      release();
    },
    close() {
      state = 'closed';
      // Held pushes wake up and are refused.
      release();
    },
    counts: () => ({ written, refused }),
  };
}
