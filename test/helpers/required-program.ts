import { existsSync } from 'node:fs';

/**
 * Whether a program a test needs is installed. Outside CI a missing program skips the test
 * LOUDLY (the reason says what to install); with CI=true it is a failure, since .ci/run installs it.
 * Returns the skip reason, or undefined when the program is there.
 */
export function missingProgram(path: string, install: string): string | undefined {
  if (existsSync(path)) return undefined;
  const reason = `${path} is missing: install it with \`${install}\``;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: .ci/run should have installed it)`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}
