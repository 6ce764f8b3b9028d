import { isSmolError } from '../../core/errors.js';

/** Where commands write: injectable so tests capture output without spawning. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
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
