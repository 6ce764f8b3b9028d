import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { runCli, spawnCli, collect, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

t.setTimeout(300_000);

/** A node's data directory with 40 sealed readings, written the way the CLI opens it. */
async function nodeWithHistory(t: Test): Promise<{ dataDir: string; nodeId: string }> {
  const dataDir = join(tempDir(t), 'data');
  const journal = await openDataDirJournal(dataDir, { sync: false });
  await journal.append(Array.from({ length: 40 }, (_, i) => ({ type: 'reading.sampled' as const, data: { values: { 'a.temp': 20 + i / 10 } } })));
  await journal.seal();
  const nodeId = journal.nodeId;
  await journal.close();
  return { dataDir, nodeId };
}

/** Every file under a directory with its size and mtime, to show a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, entry));
    out[entry] = s.isDirectory() ? 'dir' : `${s.size}@${s.mtimeMs}`;
  }
  return out;
}

/** `start` on the old code made a new node and kept running: end it after a while so the test fails instead of hanging. */
async function startRefused(dataDir: string): Promise<CliResult> {
  const child = spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--set', 'mqtt.enabled=false']);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return await collect(child);
  } finally {
    clearTimeout(killer);
  }
}

const noStack = (t: Test, stderr: string) => t.notMatch(stderr, /^\s+at /m, 'no stack trace');

t.test('with journal/CURRENT deleted, start is refused with SMOL_JOURNAL_CORRUPT and creates nothing', async (t) => {
  const { dataDir, nodeId } = await nodeWithHistory(t);
  rmSync(join(dataDir, 'journal', 'CURRENT'));
  const before = snapshot(dataDir);
  const key = readFileSync(join(dataDir, 'node.key'), 'utf8');

  const started = await startRefused(dataDir);
  t.equal(started.code, 1, started.stderr);
  t.match(started.stderr, new RegExp(`${ErrorCodes.JOURNAL_CORRUPT}.*journal repair`), 'the refusal names its remedy');
  noStack(t, started.stderr);
  t.same(snapshot(dataDir), before, 'the data directory is exactly as it was');
  t.equal(readFileSync(join(dataDir, 'node.key'), 'utf8'), key);

  for (const args of [['status'], ['journal', 'verify'], ['trust', 'show']]) {
    const r = await runCli([...args, '--data-dir', dataDir]);
    t.equal(r.code, 1, `${args.join(' ')}: refused`);
    t.match(r.stderr, ErrorCodes.JOURNAL_CORRUPT);
  }
  t.same(snapshot(dataDir), before, 'read commands changed nothing either');

  const repaired = await runCli(['journal', 'repair', '--json', '--data-dir', dataDir]);
  t.equal(repaired.code, 0, repaired.stderr);
  const report = JSON.parse(repaired.stdout) as { repair: { hadCurrent: boolean }; recovered: { nodeId: string; lastPosition: number }; verify: { ok: boolean } };
  t.equal(report.repair.hadCurrent, false, 'it says CURRENT was missing');
  t.same(report.recovered, { nodeId, lastPosition: 41, feeds: 1 }, 'the same node with every event (40 readings and a seal)');
  t.equal(report.verify.ok, true, 'and verify passes');

  const verified = await runCli(['journal', 'verify', '--data-dir', dataDir]);
  t.equal(verified.code, 0, verified.stderr);
  const status = await runCli(['status', '--json', '--data-dir', dataDir]);
  t.equal((JSON.parse(status.stdout) as { nodeId: string }).nodeId, nodeId, 'status shows the old node');
});

t.test('a data directory with only a key file, or only LevelDB tables, never gets a new node', async (t) => {
  const { dataDir } = await nodeWithHistory(t);
  rmSync(join(dataDir, 'journal'), { recursive: true });
  const keyOnly = await startRefused(dataDir);
  t.equal(keyOnly.code, 1, keyOnly.stderr);
  t.match(keyOnly.stderr, ErrorCodes.JOURNAL_CORRUPT);
  noStack(t, keyOnly.stderr);
  t.same(readdirSync(dataDir), ['node.key'], 'no journal was created');

  const other = await nodeWithHistory(t);
  rmSync(join(other.dataDir, 'node.key'));
  rmSync(join(other.dataDir, 'journal', 'CURRENT'));
  const tablesOnly = await startRefused(other.dataDir);
  t.equal(tablesOnly.code, 1, tablesOnly.stderr);
  t.match(tablesOnly.stderr, ErrorCodes.JOURNAL_CORRUPT);
  t.notOk(readdirSync(other.dataDir).includes('node.key'), 'no key was made');
});

t.test('journal repair on a directory with no journal says so; a fresh directory still starts a node', async (t) => {
  const empty = join(tempDir(t), 'fresh');
  const r = await runCli(['journal', 'repair', '--data-dir', empty]);
  t.equal(r.code, 1);
  t.match(r.stderr, ErrorCodes.NOT_FOUND);
  noStack(t, r.stderr);
  const shown = await runCli(['trust', 'show', '--json', '--data-dir', empty]);
  t.equal(shown.code, 0, shown.stderr);
  t.ok(readdirSync(empty).includes('node.key'), 'a new node where none was');
});

t.test('an old node whose start fails right after its key moved to node.key keeps that key', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  // The layout before node.key: the private key in the journal's meta.
  const old = await openLevelJournal(join(dataDir, 'journal'), { sync: false });
  await old.append([{ type: 'reading.sampled', data: { values: { 'a.temp': 1 } } }]);
  const nodeId = old.nodeId;
  await old.close();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const port = (taken.address() as AddressInfo).port;

  const child = spawnCli(['start', '--data-dir', dataDir, '--port', String(port), '--set', 'http.host=127.0.0.1', '--set', 'mqtt.enabled=false']);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const r = await collect(child).finally(() => clearTimeout(killer));
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, ErrorCodes.HTTP_LISTEN_FAILED);
  t.ok(readdirSync(dataDir).includes('node.key'), 'the migrated key stays');
  const status = await runCli(['status', '--json', '--data-dir', dataDir]);
  t.equal(status.code, 0, status.stderr);
  t.equal((JSON.parse(status.stdout) as { nodeId: string }).nodeId, nodeId, 'still the same node');
});
