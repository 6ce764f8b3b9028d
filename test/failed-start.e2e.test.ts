import t, { type Test } from 'tap';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runCli, spawnCli, waitForOutput } from './helpers/cli.js';
import { waitFor } from './helpers/wait-for.js';
import { tempDir } from './helpers/temp-dir.js';

// Item 9 of issue 9: a start that fails (here: the HTTP port is taken) leaves no trace.

/** A port held by another listener on 127.0.0.1 for the rest of the test. */
async function takenPort(t: Test): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return address.port;
}

const startArgs = (dataDir: string, port: number | string) => [
  'start',
  '--data-dir', dataDir,
  '--port', String(port),
  '--set', 'http.host=127.0.0.1',
  '--set', 'mqtt.enabled=false',
  '--set', 'observer.enabled=false',
  '--set', 'sensors.gpio.mode=simulated',
  '--set', 'llm.host=http://127.0.0.1:9',
];

/** The newest position in the journal of `dataDir` (0 when empty), read with the CLI. */
async function lastPosition(dataDir: string): Promise<number> {
  const tail = await runCli(['journal', 'tail', '--data-dir', dataDir, '--limit', '1', '--json']);
  const line = tail.stdout.split('\n').find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as { position: number }).position : 0;
}

t.test('with the HTTP port taken, a start on a fresh data directory fails with SMOL_HTTP_LISTEN_FAILED and creates nothing', async (t) => {
  const port = await takenPort(t);
  const dataDir = join(tempDir(t), 'data');
  const run = await runCli(startArgs(dataDir, port));
  t.not(run.code, 0, 'the start fails');
  t.match(run.stderr, /SMOL_HTTP_LISTEN_FAILED/, 'with the stable code');
  t.notOk(/\n\s+at /.test(run.stderr), 'and no stack trace');
  const left = existsSync(dataDir) ? readdirSync(dataDir) : [];
  t.same(left, [], `no key, no journal, no tokens are left behind (found: ${left.join(', ') || 'nothing'})`);
});

t.test('with the HTTP port taken, a start of an existing node appends nothing to its journal', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = spawnCli(startArgs(dataDir, 0));
  t.teardown(() => void first.kill('SIGKILL'));
  await waitForOutput(first, /dashboard: \S+/, 60_000);
  let exited = false;
  first.on('exit', () => (exited = true));
  first.kill('SIGTERM');
  await waitFor(() => exited, { timeoutMs: 10_000, message: 'the first run to stop' });
  const before = await lastPosition(dataDir);
  t.ok(before > 0, `the first run journaled its start and stop (last position ${before})`);

  const port = await takenPort(t);
  for (const attempt of [1, 2]) {
    const run = await runCli(startArgs(dataDir, port));
    t.not(run.code, 0, `attempt ${attempt} fails`);
    t.match(run.stderr, /SMOL_HTTP_LISTEN_FAILED/, `attempt ${attempt} says why, with the code`);
  }
  t.equal(await lastPosition(dataDir), before, 'the journal ends where it did: no node.started … node.stopped per failed attempt');

  // A damaged side file is found before the first event too.
  writeFileSync(join(dataDir, 'trust.json'), '{ not json');
  const corrupt = await runCli(startArgs(dataDir, 0));
  t.not(corrupt.code, 0, 'a start with a damaged trust.json fails');
  t.match(corrupt.stderr, /SMOL_FILE_CORRUPT/, 'with SMOL_FILE_CORRUPT');
  rmSync(join(dataDir, 'trust.json'));
  t.equal(await lastPosition(dataDir), before, 'and appends nothing either');
  const verify = await runCli(['journal', 'verify', '--data-dir', dataDir]);
  t.equal(verify.code, 0, 'and it still verifies');
});
