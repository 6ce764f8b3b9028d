import t from 'tap';
import type { Test } from 'tap';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { collect, runCli, spawnCli, waitForOutput, type CliResult, fastNodeArgs } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Item 4 of issue 10: `journal stats`, `inspect` and `tail [--follow]` next to a running node (the
// old code refused them with SMOL_ALREADY_RUNNING: LevelDB's lock), and `--follow` on a stopped one.
t.setTimeout(300_000);

interface Entry {
  position: number;
  event: { id: string; type: string; origin: string; seq: number };
}

interface RunningNode {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function startNode(t: Test, dataDir: string): Promise<RunningNode> {
  const child = spawnCli(fastNodeArgs(dataDir));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  const url = (await waitForOutput(child, /dashboard: (\S+)/, 60_000)).replace('dashboard: ', '');
  // The journal tools find the node through the status file it writes once it serves.
  await waitFor(() => {
    try {
      return (JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')) as { running: boolean; pid: number }).pid === child.pid;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000, message: 'status.json naming the node' });
  return { child, url, exited };
}

async function lastPosition(url: string): Promise<number> {
  return ((await (await fetch(new URL('/api/health', url))).json()) as { lastPosition: number }).lastPosition;
}

async function stopNode(node: RunningNode): Promise<void> {
  node.child.kill('SIGINT');
  await node.exited;
}

const cli = (dataDir: string, ...args: string[]) => runCli([...args, '--data-dir', dataDir]);

function jsonOf<T>(t: Test, r: CliResult, what: string): T {
  t.equal(r.code, 0, `${what}: exit 0 (stderr: ${r.stderr.slice(0, 300)})`);
  return JSON.parse(r.stdout) as T;
}

const jsonLines = (stdout: string): Entry[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Entry);

/** The shape of a JSON value: keys (in order) and value types, with arrays as their first element's shape. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

/** Errors print as `error SMOL_X: …`: the stable code. */
const errorCode = (r: CliResult) => /error (SMOL_[A-Z_]+)/.exec(r.stderr)?.[1];

t.test('stats, inspect and tail work while the node runs and print what they print once it stopped', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const node = await startNode(t, dataDir);
  await waitFor(async () => (await lastPosition(node.url)) > 20, { timeoutMs: 30_000, message: 'readings being journaled' });

  const stats = jsonOf<{ nodeId: string; events: number; bytesOnDisk: number; byType: Record<string, number> }>(t, await cli(dataDir, 'journal', 'stats', '--json'), 'journal stats while running');
  t.ok(stats.events > 20, `counts the events (${stats.events})`);
  t.ok(stats.byType['reading.sampled']! > 0 && stats.byType['node.started'] === 1, 'by type');
  t.ok(stats.bytesOnDisk > 0, 'the size on disk');
  const id = `${stats.nodeId}:3`;
  const inspected = jsonOf<{ position: number; event: { id: string }; hash: string }>(t, await cli(dataDir, 'journal', 'inspect', id, '--json'), 'journal inspect while running');
  t.equal(inspected.event.id, id, 'the event asked for');
  t.match(inspected.hash, /^[0-9a-f]{64}$/, 'with its hash');
  const byPosition = jsonOf<{ event: { id: string } }>(t, await cli(dataDir, 'journal', 'inspect', '--position', String(inspected.position), '--json'), 'inspect --position while running');
  t.same(byPosition, inspected, 'by position: the same event');
  const missing = await cli(dataDir, 'journal', 'inspect', `${stats.nodeId}:999999`, '--json');
  t.equal(missing.code, 1, 'an event that is not there: exit 1');
  t.equal(errorCode(missing), 'SMOL_NOT_FOUND', 'SMOL_NOT_FOUND, as the local command says');

  const tail = await cli(dataDir, 'journal', 'tail', '--limit', '5', '--json');
  t.equal(tail.code, 0, `journal tail while running: exit 0 (${tail.stderr.slice(0, 300)})`);
  const tailed = jsonLines(tail.stdout);
  t.equal(tailed.length, 5, 'five events');
  t.same(tailed.map((e) => e.position - tailed[0]!.position), [0, 1, 2, 3, 4], 'oldest first, contiguous');
  const typed = jsonLines((await cli(dataDir, 'journal', 'tail', '--limit', '3', '--type', 'source.registered', '--json')).stdout);
  t.ok(typed.length === 3 && typed.every((e) => e.event.type === 'source.registered'), 'the type filter applies');
  const human = await cli(dataDir, 'journal', 'stats');
  t.match(human.stdout, /^node \S+: \d+ events, \d+ bytes on disk$/m, 'the human form too');

  await stopNode(node);
  const localStats = jsonOf<unknown>(t, await cli(dataDir, 'journal', 'stats', '--json'), 'journal stats stopped');
  // byType gains node.stopped and feed.sealed with the stop: compare it as a record of counts.
  const counts = (s: unknown) => ({ ...(s as object), byType: Object.values((s as { byType: object }).byType).every((n) => typeof n === 'number') ? 'counts' : 'not counts' });
  t.same(shape(counts(localStats)), shape(counts(stats)), 'stats: the same JSON shape, running or not');
  t.same(Object.keys(localStats as object), Object.keys(stats), 'in the same key order');
  const localInspected = jsonOf<unknown>(t, await cli(dataDir, 'journal', 'inspect', id, '--json'), 'journal inspect stopped');
  t.same(localInspected, inspected, 'inspect: the very same answer (an event never changes)');
  const localTail = jsonLines((await cli(dataDir, 'journal', 'tail', '--limit', '5', '--json')).stdout);
  // The newest five differ once the node stopped (node.stopped, the seal): compare the line's
  // shape, not what its event's data holds.
  const lineShape = (l: Entry | undefined) => shape(l ? { ...l, event: { ...l.event, data: {} } } : l);
  t.same(lineShape(localTail[0]), lineShape(tailed[0]), 'tail: the same line shape');
  const same = jsonOf<unknown>(t, await cli(dataDir, 'journal', 'inspect', '--position', String(tailed[0]!.position), '--json'), 'inspect a tailed event');
  t.same({ position: (same as Entry).position, event: (same as Entry).event }, tailed[0], 'a line of the running tail is the stored event');
});

t.test('tail --follow --json prints new events as the node journals them; SIGINT and a closed pipe end it cleanly', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const node = await startNode(t, dataDir);

  const follower = spawnCli(['journal', 'tail', '--follow', '--limit', '2', '--json', '--data-dir', dataDir]);
  t.teardown(() => void follower.kill('SIGKILL'));
  let out = '';
  follower.stdout!.on('data', (d) => (out += d));
  const done = collect(follower);
  const startedAt = await lastPosition(node.url);
  const lines = await waitForValue(() => {
    const complete = out.slice(0, out.lastIndexOf('\n') + 1);
    const entries = jsonLines(complete);
    return entries.length >= 12 && entries.at(-1)!.position > startedAt + 5 ? entries : undefined;
  }, { timeoutMs: 30_000, message: 'the follower printing new events' });
  const positions = lines.map((e) => e.position);
  t.same(positions, positions.map((_, i) => positions[0]! + i), 'every event once, in order: the tail, then the live ones with no gap');
  t.ok(lines.some((e) => e.event.type === 'reading.sampled'), 'readings as they are sampled');
  follower.kill('SIGINT');
  const ended = await done;
  t.equal(ended.signal, null, 'SIGINT: ended by itself');
  t.equal(ended.code, 0, 'exit 0');
  t.equal(ended.stderr, '', 'nothing on stderr');

  // `journal tail --follow | head`: the reader goes away, the follower ends.
  const piped = spawnCli(['journal', 'tail', '--follow', '--limit', '1', '--data-dir', dataDir]);
  t.teardown(() => void piped.kill('SIGKILL'));
  piped.stdout!.destroy();
  const pipedEnd = await collect(piped);
  t.equal(pipedEnd.signal, null, 'closed pipe: ended by itself');
  t.equal(pipedEnd.code, 0, 'closed pipe: exit 0');
  t.notMatch(pipedEnd.stderr, /EPIPE|^\s+at /m, 'no stack trace');
  await stopNode(node);
});

t.test('tail --follow ends cleanly when the node stops, and on a stopped node says it is not running', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const node = await startNode(t, dataDir);
  const follower = spawnCli(['journal', 'tail', '--follow', '--limit', '1', '--json', '--data-dir', dataDir]);
  t.teardown(() => void follower.kill('SIGKILL'));
  let out = '';
  follower.stdout!.on('data', (d) => (out += d));
  const done = collect(follower);
  await waitFor(() => jsonLines(out.slice(0, out.lastIndexOf('\n') + 1)).length >= 3, { timeoutMs: 30_000, message: 'the follower following' });
  await stopNode(node);
  const ended = await done;
  t.equal(ended.signal, null, 'the node stopping ends the follow');
  t.equal(ended.code, 0, 'exit 0: the stream ended because the node stopped');
  t.notMatch(ended.stderr, /error/, 'no error');

  const stopped = await cli(dataDir, 'journal', 'tail', '--follow', '--json');
  t.equal(stopped.code, 1, '--follow on a stopped node: exit 1, at once');
  t.equal(errorCode(stopped), 'SMOL_NODE_NOT_RUNNING', 'SMOL_NODE_NOT_RUNNING');
  t.equal(stopped.stdout, '', 'nothing printed: no tail that would never move');
});

t.test('a missing or damaged http-tokens.json next to a running node is SMOL_FILE_CORRUPT', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  await startNode(t, dataDir);
  const tokens = join(dataDir, 'http-tokens.json');
  const saved = readFileSync(tokens);

  renameSync(tokens, `${tokens}.away`);
  for (const args of [['journal', 'stats'], ['journal', 'tail', '--limit', '1'], ['journal', 'tail', '--follow']]) {
    const r = await cli(dataDir, ...args, '--json');
    t.equal(r.code, 1, `${args.join(' ')} without a token file: exit 1`);
    t.equal(errorCode(r), 'SMOL_FILE_CORRUPT', `${args.join(' ')}: SMOL_FILE_CORRUPT`);
    t.notMatch(r.stderr, /^\s+at /m, 'no stack trace');
  }
  renameSync(`${tokens}.away`, tokens);

  writeFileSync(tokens, '{"read": "not a token fi');
  chmodSync(tokens, 0o600);
  const damaged = await cli(dataDir, 'journal', 'inspect', '--position', '1', '--json');
  t.equal(damaged.code, 1, 'a damaged token file: exit 1');
  t.equal(errorCode(damaged), 'SMOL_FILE_CORRUPT', 'SMOL_FILE_CORRUPT');
  t.same(readFileSync(tokens, 'utf8'), '{"read": "not a token fi', 'and it is left as it was');
  writeFileSync(tokens, saved);
  t.equal((await cli(dataDir, 'journal', 'stats', '--json')).code, 0, 'with the file back, it works again');
});

t.test('a status.json left by a node that is gone: the journal is read locally; a lock held by no node is SMOL_ALREADY_RUNNING', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const journal = await openDataDirJournal(dataDir, { sync: false });
  await journal.append([{ type: 'reading.sampled', data: { values: { 'a.temp': 1 } } }]);
  await journal.close();
  // A pid that surely is dead: a child that has exited (and been reaped).
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => gone.on('exit', resolve));
  writeFileSync(join(dataDir, 'status.json'), JSON.stringify({
    running: true, pid: gone.pid, nodeId: journal.nodeId, name: 'x', role: 'alpaca', startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
    lastPosition: 1, vector: {}, gpioMode: null, http: 'http://127.0.0.1:9/',
  }));

  const stats = jsonOf<{ events: number }>(t, await cli(dataDir, 'journal', 'stats', '--json'), 'stats with a stale status.json');
  t.equal(stats.events, 1, 'read from the journal itself');
  t.equal(jsonLines((await cli(dataDir, 'journal', 'tail', '--json')).stdout).length, 1, 'tail too');
  // The old code followed the local journal forever here (nobody writes it): end it so the test fails instead.
  const follower = spawnCli(['journal', 'tail', '--follow', '--data-dir', dataDir]);
  const killer = setTimeout(() => follower.kill('SIGKILL'), 30_000);
  const follow = await collect(follower);
  clearTimeout(killer);
  t.equal(follow.code, 1, '--follow: exit 1');
  t.equal(errorCode(follow), 'SMOL_NODE_NOT_RUNNING', '--follow: the node is not running');

  // The lock held by this process, which is no node: nobody to ask.
  const holder = await openDataDirJournal(dataDir, { sync: false, mustExist: true });
  t.teardown(() => holder.close());
  const locked = await cli(dataDir, 'journal', 'stats', '--json');
  t.equal(locked.code, 1, 'a lock with no live node behind it: exit 1');
  t.equal(errorCode(locked), 'SMOL_ALREADY_RUNNING', 'SMOL_ALREADY_RUNNING');
});
