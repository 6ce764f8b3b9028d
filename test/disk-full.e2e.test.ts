import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runCli, spawnCli, waitForOutput, fastNodeArgs } from './helpers/cli.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';
import { fillDisk, freeDisk, mountSmallDisk, smallDiskUnavailable } from './helpers/small-disk.js';

// Item 6 of issue 9: a node whose data directory is on a full filesystem (a real 12 MiB tmpfs).
const skip = smallDiskUnavailable();

const FAULT_CODES = ['SMOL_DISK_FULL', 'SMOL_JOURNAL_WRITE_FAILED'];

interface Health {
  status: string;
  problems?: Array<{ code: string; refusedAppends?: number }>;
  lastPosition: number;
}

function startNodeProcess(dataDir: string): { child: ChildProcess; stderr: () => string; exited: () => boolean } {
  const child = spawnCli(fastNodeArgs(dataDir));
  let stderr = '';
  let exited = false;
  child.stderr?.on('data', (d) => (stderr += d));
  // The node's log lines are on stdout (pino, issue 10); errors of the command itself on stderr.
  child.stdout?.on('data', (d) => (stderr += d));
  child.on('exit', () => (exited = true));
  return { child, stderr: () => stderr, exited: () => exited };
}

t.test('a full data disk: degraded, writes refused with 503, one log line, back by itself, stop in time, nothing acknowledged lost', { skip }, async (t) => {
  const disk = mountSmallDisk(t);
  const dataDir = join(disk, 'data');
  const node = startNodeProcess(dataDir);
  t.teardown(() => void node.child.kill('SIGKILL'));
  const url = (await waitForOutput(node.child, /dashboard: (\S+)/, 60_000)).replace('dashboard: ', '');
  const { admin } = JSON.parse(readFileSync(join(dataDir, 'http-tokens.json'), 'utf8')) as { admin: string };
  const health = async (): Promise<Health> => (await fetch(new URL('/api/health', url))).json() as Promise<Health>;
  const writePin = (value: 0 | 1) =>
    fetch(new URL('/api/gpio/pins/led', url), { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
  let acknowledgedWrites = 0;
  const ack = async (value: 0 | 1) => {
    const res = await writePin(value);
    t.equal(res.status, 200, 'a GPIO write with room on the disk is acknowledged');
    if (res.status === 200) acknowledgedWrites += 1;
  };

  await ack(1);
  await waitFor(async () => (await health()).lastPosition > 20, { timeoutMs: 20_000, message: 'readings being journaled' });

  const filler = fillDisk(disk);
  const degraded = await waitForValue(async () => {
    const h = await health();
    return h.status === 'degraded' ? h : undefined;
  }, { timeoutMs: 10_000, message: '/api/health to report degraded on a full disk' });
  t.ok(FAULT_CODES.includes(degraded.problems?.[0]?.code ?? ''), `health names the fault (${degraded.problems?.[0]?.code})`);

  const refused = await writePin(0);
  t.equal(refused.status, 503, 'a GPIO write is refused with 503 while the disk is full');
  t.ok(FAULT_CODES.includes(((await refused.json()) as { error: { code: string } }).error.code), 'with the fault code');

  // At 10 readings a second, 20 refused appends are 20 ticks that did not each log a line.
  await waitFor(async () => ((await health()).problems?.[0]?.refusedAppends ?? 0) >= 20, { timeoutMs: 10_000, message: '20 refused appends' });
  const faultLines = node.stderr().split('\n').filter((l) => /SMOL_DISK_FULL|SMOL_JOURNAL_WRITE_FAILED|sensor provider failed/.test(l));
  t.ok(faultLines.length >= 1 && faultLines.length <= 3, `the fault is logged once, not once per tick (${faultLines.length} lines)`);

  const positionWhileFull = (await health()).lastPosition;
  freeDisk(filler);
  await waitFor(async () => {
    const h = await health();
    return h.status === 'ok' && h.lastPosition > positionWhileFull;
  }, { timeoutMs: 10_000, message: 'journaling to resume by itself once space is freed' });
  t.match(node.stderr(), /writing again after [\d.]+ s; \d+ appends were refused/, 'the log says it is writing again, with a count');
  await ack(0);
  await ack(1);

  // A stop on a full disk exits in time: node.stopped and the final seal are given up, the lock released.
  fillDisk(disk);
  await waitFor(async () => (await health()).status === 'degraded', { timeoutMs: 10_000, message: 'degraded again' });
  const lastAcknowledged = (await health()).lastPosition;
  node.child.kill('SIGTERM');
  await waitFor(() => node.exited(), { timeoutMs: 10_000, message: 'the node to exit after SIGTERM on a full disk' });
  t.equal(node.child.exitCode, 0, 'it exits cleanly');

  freeDisk(filler);
  const verify = await runCli(['journal', 'verify', '--data-dir', dataDir]);
  t.equal(verify.code, 0, `journal verify passes: ${verify.stdout}${verify.stderr}`);
  const tail = await runCli(['journal', 'tail', '--data-dir', dataDir, '--type', 'gpio.written', '--limit', '100', '--json']);
  const written = tail.stdout.split('\n').filter((l) => l.startsWith('{'));
  t.equal(written.length, acknowledgedWrites, 'every acknowledged GPIO write is in the journal, and no refused one');
  const stats = await runCli(['journal', 'tail', '--data-dir', dataDir, '--limit', '1', '--json']);
  const last = JSON.parse(stats.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{"position":0}') as { position: number };
  t.ok(last.position >= lastAcknowledged, `every acknowledged event survived the restart (last ${last.position} >= ${lastAcknowledged})`);
});
