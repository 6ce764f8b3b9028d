import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { cleanEnv, repoRoot, runCli } from './helpers/cli.js';
import { missingProgram } from './helpers/required-program.js';
import { tempDir } from './helpers/temp-dir.js';

// Progress bars on journal verify, rebuild, export and import: drawn on a terminal (a pty made by
// util-linux `script`), never with --json, never when stderr is a pipe.

t.setTimeout(300_000);
const mainTs = fileURLToPath(new URL('../adapters/cli/main.ts', import.meta.url));
const CLEAR = '\r\x1b[K';

/** Runs `smollama …` with its stdout and stderr on a pseudo-terminal; resolves with what the terminal saw. */
function onTerminal(args: string[]): Promise<{ code: number; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, '--import', 'tsx', mainTs, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qefc', command, '/dev/null'], { cwd: repoRoot, env: cleanEnv({ COLUMNS: '120' }), maxBuffer: 16 << 20 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, screen: stdout });
    });
  });
}

async function seed(dir: string, n: number): Promise<void> {
  const journal = await openDataDirJournal(dir, { sync: false });
  for (let i = 0; i < n; i += 500) {
    await journal.append(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ type: 'reading.sampled', data: { values: { 'a.temp': (i + j) % 40 } } })));
  }
  await journal.seal();
  await journal.close();
}

async function cli(t: Test, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(args);
  t.equal(r.code, 0, `smollama ${args.join(' ')}: ${r.stderr}`);
  return r;
}

// `script` is util-linux's (Debian's bsdutils, an essential package).
const noScript = missingProgram('/usr/bin/script', 'apt-get install bsdutils');

t.test('verify, rebuild, export and import draw a bar on a terminal, and none with --json or on a pipe', { skip: noScript ?? false }, async (t) => {
  const root = tempDir(t, 'smollama-progress-');
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  const keyA = JSON.parse((await cli(t, ['trust', 'show', '--json', '--data-dir', a])).stdout) as { publicKey: string };
  await cli(t, ['trust', 'show', '--data-dir', b]);
  await seed(a, 3000);
  await cli(t, ['trust', 'add', keyA.publicKey, '--name', 'node-a', '--data-dir', b]);

  const verify = await onTerminal(['journal', 'verify', '--data-dir', a]);
  t.equal(verify.code, 0, verify.screen);
  t.match(verify.screen, /verify \[#{24}\] 100% {2}(\d+)\/\1 events/, 'the bar reaches the end');
  t.match(verify.screen, CLEAR, 'and its line is cleared');
  t.match(verify.screen, /ok: \d+ events/);

  const json = await onTerminal(['journal', 'verify', '--json', '--data-dir', a]);
  t.equal(json.code, 0, json.screen);
  t.notMatch(json.screen, 'verify [', 'no bar with --json');
  t.notMatch(json.screen, CLEAR);
  t.equal(JSON.parse(json.screen).ok, true, 'the terminal holds the JSON alone');

  const piped = await cli(t, ['journal', 'verify', '--data-dir', a]);
  t.notMatch(piped.stderr + piped.stdout, 'verify [', 'no bar when stderr is a pipe');

  const rebuild = await onTerminal(['journal', 'rebuild', '--data-dir', a]);
  t.equal(rebuild.code, 0, rebuild.screen);
  // One pass feeds every projection (issue 11), so one bar for them all.
  t.match(rebuild.screen, /rebuild projections \[#+-*\] +\d+% {2}\d+\/\d+ events/, 'a bar for the one pass of all projections');
  t.match(rebuild.screen, /rebuilt sensors to position \d+/);

  const stick = join(root, 'stick');
  mkdirSync(stick);
  const exported = await onTerminal(['journal', 'export', '--all', '--out', stick, '--data-dir', a]);
  t.equal(exported.code, 0, exported.screen);
  t.match(exported.screen, /export \d+(\.\d)? (B|KB|MB)/, 'export counts the bytes written');
  t.match(exported.screen, /wrote .*\.smolseg: \d+ events/);

  const imported = await onTerminal(['journal', 'import', stick, '--data-dir', b]);
  t.equal(imported.code, 0, imported.screen);
  t.match(imported.screen, /import \S+stick \[#{24}\] 100%/, 'import shows bytes read of the files, named by path');
  t.match(imported.screen, /[1-9]\d+ event\(s\) applied/);
});
