/**
 * A one-line progress bar on stderr for long CLI work (journal verify, rebuild, export, import,
 * model pulls). Only on a terminal: never with --json, never when stderr is a pipe or a file (a
 * log under systemd, a test), so output that a program reads is never mixed with `\r` redraws.
 */

/** Reports progress: `done` of `total` (undefined when the total is not known: a counter only). */
export type OnProgress = (done: number, total: number | undefined) => void;

/** The part of a WriteStream the bar needs; a test passes a fake terminal. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressBar {
  /** Redraws, at most every `intervalMs` (and always when done reaches total). */
  readonly update: OnProgress;
  /** Clears the bar's line, so what is printed next starts on a clean line. */
  finish(): void;
}

const NOOP: ProgressBar = { update: () => undefined, finish: () => undefined };
const WIDTH = 24;

/** How `units` of progress read: bytes in KB/MB, anything else as a count with its unit. */
export function formatAmount(n: number, unit: string): string {
  if (unit !== 'bytes') return `${n} ${unit}`;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** One frame of the bar: `label [#####-----]  45%  12/27 events`, or a counter when there is no total. */
export function renderBar(label: string, done: number, total: number | undefined, unit: string): string {
  if (total === undefined || total <= 0) return `${label} ${formatAmount(done, unit)}`;
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * WIDTH);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  const amount = unit === 'bytes' ? `${formatAmount(done, unit)} / ${formatAmount(total, unit)}` : `${done}/${total} ${unit}`;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${pct}  ${amount}`;
}

/**
 * A progress bar for `label`, or one that draws nothing when `json` is set or the stream is not a
 * terminal. `now` is injectable so a test can pin the redraw throttle.
 */
export function progressBar(
  label: string,
  options: { json: boolean; unit?: string; stream?: ProgressStream; intervalMs?: number; now?: () => number },
): ProgressBar {
  const stream = options.stream ?? process.stderr;
  if (options.json || stream.isTTY !== true) return NOOP;
  const { unit = 'events', intervalMs = 100, now = Date.now } = options;
  let drawnAt = -Infinity;
  let drawn = false;
  const clear = '\r\x1b[K';
  return {
    update(done, total) {
      const t = now();
      if (t - drawnAt < intervalMs && !(total !== undefined && done >= total)) return;
      drawnAt = t;
      drawn = true;
      // Cut to the terminal's width: a wrapped line cannot be redrawn with `\r`.
      // A pty without a size says 0 columns.
      const line = renderBar(label, done, total, unit).slice(0, (stream.columns || 80) - 1);
      stream.write(clear + line);
    },
    finish() {
      if (drawn) stream.write(clear);
      drawn = false;
    },
  };
}

/**
 * Runs `work` with a bar labelled `label` (and what the work says it is on: a projection, a path),
 * cleared when it ends however it ends. Draws nothing where progressBar would not.
 */
export async function withProgress<T>(
  label: string,
  options: { json: boolean; unit?: string; stream?: ProgressStream },
  work: (onProgress: (done: number, total: number | undefined, what?: string) => void) => Promise<T>,
): Promise<T> {
  let bar: ProgressBar | undefined;
  let on: string | undefined;
  try {
    return await work((done, total, what) => {
      if (!bar || what !== on) {
        bar?.finish();
        on = what;
        bar = progressBar(what === undefined ? label : `${label} ${what}`, options);
      }
      bar.update(done, total);
    });
  } finally {
    bar?.finish();
  }
}
