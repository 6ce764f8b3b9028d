import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { cleanEnv, repoRoot } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const child = fileURLToPath(new URL('./helpers/readings-window-child.ts', import.meta.url));

t.test('kill -9 during a readings window loses only unacknowledged readings, and no observation', async (t) => {
  const dir = tempDir(t);
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, '300', '700'], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = { R: [] as number[], O: [] as number[] };
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) {
      const [tag, seq] = line.split(' ');
      if (tag === 'R' || tag === 'O') acked[tag].push(Number(seq));
    }
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  t.teardown(() => void proc.kill('SIGKILL'));
  // Observations come less often than the 300 ms window ends: readings are acknowledged both by
  // their window and by an observation taking them along.
  await waitFor(() => acked.R.length >= 300 && acked.O.length >= 5, { timeoutMs: 60_000, message: '300 readings and 5 observations acknowledged' });
  proc.kill('SIGKILL');
  await exited;
  const ackedR = [...acked.R];
  const ackedO = [...acked.O];

  const journal = await openLevelJournal(dir, { mustExist: true });
  t.teardown(() => journal.close());
  const present = new Map<number, string>();
  for await (const e of journal.read()) if (e.event.origin === journal.nodeId) present.set(e.event.seq, e.event.type);
  const lastAcked = Math.max(...ackedR, ...ackedO);
  t.ok(ackedR.every((s) => present.get(s) === 'reading.sampled'), `every acknowledged reading is there (${ackedR.length})`);
  t.ok(ackedO.every((s) => present.get(s) === 'observation.recorded'), `every acknowledged observation is there (${ackedO.length})`);
  const seqs = [...present.keys()].sort((a, b) => a - b);
  t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'what survived is a prefix of the feed: only the unwritten tail is lost');
  t.ok(seqs.length >= lastAcked, 'nothing acknowledged is past the end');
  const report = await verifyJournal(journal, createRegistry());
  t.same(report.problems, [], 'the journal verifies');
});
