import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { spawnCli, collect, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

t.setTimeout(180_000);

async function nodeDir(t: Test): Promise<string> {
  const dataDir = join(tempDir(t), 'data');
  const journal = await openDataDirJournal(dataDir, { sync: false });
  await journal.append(Array.from({ length: 300 }, (_, i) => ({ type: 'reading.sampled' as const, data: { values: { 'a.temp': i } } })));
  await journal.close();
  return dataDir;
}

/** Runs the CLI with its stdout a pipe whose reading end is closed at once, like `smollama … | true`. */
async function intoClosedPipe(args: string[]): Promise<CliResult> {
  const child = spawnCli(args);
  child.stdout!.destroy();
  // The old code could hang on `--follow` with nobody reading: end it so the test fails instead.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return await collect(child);
  } finally {
    clearTimeout(killer);
  }
}

t.test('output into a closed pipe ends quietly with the command\'s exit code', async (t) => {
  const dataDir = await nodeDir(t);
  for (const args of [
    ['journal', 'vector', '--json'],
    ['journal', 'tail', '--limit', '300', '--json'],
    // `journal tail --follow` needs a running node now (a stopped one is SMOL_NODE_NOT_RUNNING):
    // its closed pipe is tested in journal-tools-live.e2e.test.ts.
  ]) {
    const r = await intoClosedPipe([...args, '--data-dir', dataDir]);
    const name = args.join(' ');
    t.equal(r.signal, null, `${name}: ended by itself`);
    t.equal(r.code, 0, `${name}: exit 0`);
    t.notMatch(r.stderr, /EPIPE|^\s+at /m, `${name}: no EPIPE stack trace: ${r.stderr.slice(0, 300)}`);
  }
});
