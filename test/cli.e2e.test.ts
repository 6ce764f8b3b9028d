import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, runCli, spawnCli, waitForOutput } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

t.test('start runs a node until SIGTERM, then stops cleanly and the journal verifies', async (t) => {
  const dir = join(tempDir(t), 'data');
  const node = spawnCli(['start', '--data-dir', dir, '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'sensors.system.intervalMs=200']);
  const done = collect(node);
  // "dashboard:" is printed after "started; data in".
  const url = (await waitForOutput(node, /dashboard: \S+/)).slice('dashboard: '.length);
  const hasReadings = async () => ((await (await fetch(new URL('/api/readings/latest', url))).json()) as { readings: unknown[] }).readings.length > 0;
  await waitFor(hasReadings, { timeoutMs: 20_000, intervalMs: 50, message: 'the first readings to be journaled' });
  const status = await runCli(['status', '--data-dir', dir, '--json']);
  t.equal(status.code, 0, status.stderr);
  t.equal(JSON.parse(status.stdout).running, true, 'status sees the running node');
  node.kill('SIGTERM');
  const result = await done;
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /stopped/);
  const verify = await runCli(['journal', 'verify', '--data-dir', dir, '--json']);
  t.equal(verify.code, 0, verify.stdout);
  t.ok(JSON.parse(verify.stdout).ok);
  const tail = await runCli(['journal', 'tail', '--data-dir', dir, '--json', '--limit', '200']);
  const types = tail.stdout.trim().split('\n').map((l) => JSON.parse(l).event.type);
  t.equal(types[0], 'node.started');
  t.ok(types.includes('reading.sampled'), 'readings were journaled');
  t.same(types.slice(-2), ['node.stopped', 'feed.sealed']);
});

t.test('a second process on the same data directory exits with SMOL_ALREADY_RUNNING and corrupts nothing', async (t) => {
  const dir = join(tempDir(t), 'data');
  const first = spawnCli(['start', '--data-dir', dir, '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'sensors.system.intervalMs=100']);
  const firstDone = collect(first);
  await waitForOutput(first, /started; data in/);
  const second = await runCli(['start', '--data-dir', dir]);
  t.equal(second.code, 1);
  t.match(second.stderr, /SMOL_ALREADY_RUNNING/);
  t.match(second.stderr, /already/);
  first.kill('SIGTERM');
  t.equal((await firstDone).code, 0);
  const verify = await runCli(['journal', 'verify', '--data-dir', dir]);
  t.equal(verify.code, 0, verify.stdout + verify.stderr);
});

t.test('invalid config or flags: a clear error with a stable code, exit 2, and no data directory created', async (t) => {
  const root = tempDir(t);
  const dir = join(root, 'never');
  const badValue = await runCli(['start', '--data-dir', dir, '--set', 'sensors.system.intervalMs=fast']);
  t.equal(badValue.code, 2);
  t.match(badValue.stderr, /SMOL_CONFIG_INVALID/);
  t.match(badValue.stderr, /sensors\.system\.intervalMs/);
  t.match(badValue.stderr, /fast/);

  const file = join(root, 'bad.yaml');
  writeFileSync(file, 'node:\n  role: emperor\n');
  const badFile = await runCli(['start', '--data-dir', dir, '--config', file]);
  t.equal(badFile.code, 2);
  t.match(badFile.stderr, /SMOL_CONFIG_INVALID.*node\.role/);

  const badEnv = await runCli(['start', '--data-dir', dir], { env: { SMOLLAMA_SENSORS__GPIO__MODE: 'sometimes' } });
  t.equal(badEnv.code, 2);
  t.match(badEnv.stderr, /SMOLLAMA_SENSORS__GPIO__MODE/);

  const badFlag = await runCli(['start', '--data-dir', dir, '--frobnicate']);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /SMOL_CLI_USAGE.*frobnicate/);
  t.notOk(existsSync(dir), 'the data directory was never created');
});

t.test('read commands on a directory with no node say so and create nothing', async (t) => {
  const dir = join(tempDir(t), 'empty');
  const r = await runCli(['journal', 'stats', '--data-dir', dir]);
  t.equal(r.code, 1);
  t.match(r.stderr, /SMOL_NOT_FOUND/);
  t.notOk(existsSync(join(dir, 'journal')), 'no journal was created');
});

t.test('init writes a commented example config that start accepts', async (t) => {
  const root = tempDir(t);
  const file = join(root, 'smollama.yaml');
  const init = await runCli(['init', '--out', file]);
  t.equal(init.code, 0, init.stderr);
  const again = await runCli(['init', '--out', file]);
  t.equal(again.code, 2, 'it refuses to overwrite');
  const status = await runCli(['status', '--config', file, '--data-dir', join(root, 'd')]);
  t.match(status.stderr, /SMOL_NOT_FOUND/, 'the config loads; only the node is missing');
});
