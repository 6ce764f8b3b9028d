import { isSmolError } from '../../core/errors.js';

/** Where commands write: injectable so tests capture output without spawning. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the reader of stdout went away (`… | head`); a command that follows forever ends then. */
  readonly closed?: Promise<void>;
}

/**
 * Writes to one of the process's streams; once its reader is gone (EPIPE: `smollama … | true`),
 * further lines are dropped instead of ending the process with an unhandled 'error' event and a
 * stack trace. The command still finishes and exits with its own code.
 */
function pipeWriter(stream: NodeJS.WriteStream, onGone: () => void): (line: string) => void {
  let gone = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    gone = true;
    onGone();
  });
  return (line) => {
    if (gone || stream.destroyed) return;
    stream.write(line + '\n');
  };
}

let stdoutGone: () => void = () => undefined;
const stdoutClosed = new Promise<void>((resolve) => (stdoutGone = resolve));
let streams: { out: (line: string) => void; err: (line: string) => void } | undefined;
// Listeners are attached on first use, so importing this module (tests) leaves the streams alone.
const real = () => (streams ??= { out: pipeWriter(process.stdout, () => stdoutGone()), err: pipeWriter(process.stderr, () => undefined) });

export const consoleOutput: Output = {
  out: (line) => real().out(line),
  err: (line) => real().err(line),
  closed: stdoutClosed,
};

/** Prints JSON when asked, else the human form. */
export function emit(output: Output, json: boolean, value: unknown, human: () => string): void {
  output.out(json ? JSON.stringify(value, null, 2) : human());
}

/** One line for a failed command: `error SMOL_X: message`; exit code 2 for usage/config, 1 otherwise. */
export function reportError(output: Output, err: unknown): number {
  if (isSmolError(err)) {
    output.err(`error ${err.code}: ${err.message}`);
    return err.code === 'SMOL_CLI_USAGE' || err.code.startsWith('SMOL_CONFIG') ? 2 : 1;
  }
  output.err(`error: ${(err as Error)?.stack ?? String(err)}`);
  return 1;
}
