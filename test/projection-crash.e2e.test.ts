import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { ProjectionGroup } from '../core/projection/group.js';
import type { Projection } from '../core/projection/projection.js';
import { allProjections } from '../projections/all.js';
import { rebuildProjections } from '../journal-tools/rebuild.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { cleanEnv } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

// kill -9 while projections commit incrementally (issue 11): the journal verifies, and every
// projection resumed from its (chunked) checkpoint equals a fresh rebuild.

const child = fileURLToPath(new URL('./helpers/projection-commit-child.ts', import.meta.url));

/** Runs the child until its projections have committed `commits` times, then SIGKILLs it. */
function runAndKill(dir: string, commits: number): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  let seen = 0;
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('commits ')) seen = Number(line.slice(8));
        if (seen >= commits && !proc.killed) proc.kill('SIGKILL');
      }
    });
    proc.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`child exited without being killed (${signal})`))));
  });
}

const fresh = <S>(p: Projection<S>): Projection<S> => ({ ...p, name: `${p.name}-fresh` });

async function dump(runner: ProjectionRunner<unknown>): Promise<unknown> {
  const records: Array<[string, unknown]> = [];
  for await (const r of runner.store.records({})) records.push(r);
  return { state: runner.state, records };
}

t.test('kill -9 during projection commits: verify passes, projections resume to a fresh rebuild', async (t) => {
  const dir = tempDir(t);
  const registry = createRegistry();
  for (let round = 1; round <= 3; round++) {
    const commits = await runAndKill(dir, 150 * round);
    const journal = await openLevelJournal(dir);
    try {
      const report = await verifyJournal(journal, registry);
      t.ok(report.ok, `round ${round} (killed after ${commits} commits): journal verify passes ${JSON.stringify(report.problems.slice(0, 2))}`);
      const resumed = allProjections.map((p) => new ProjectionRunner(journal, p, registry, { splitBytes: 64 }));
      const group = new ProjectionGroup(journal, resumed);
      await group.start();
      const behind = resumed.filter((r) => r.committed < journal.lastPosition()).length;
      t.ok(resumed.some((r) => r.committed > 0), `round ${round}: checkpoints from before the kill are loaded (${behind} projections behind the journal)`);
      await group.caughtUp();
      await group.stop();
      await rebuildProjections(journal, registry, allProjections.map(fresh));
      for (const [i, p] of allProjections.entries()) {
        const rebuilt = new ProjectionRunner(journal, fresh(p), registry);
        await rebuilt.load();
        t.same(await dump(resumed[i]!), await dump(rebuilt), `round ${round}: ${p.name} resumed from its checkpoint equals a fresh rebuild`);
      }
    } finally {
      await journal.close();
    }
  }
});
