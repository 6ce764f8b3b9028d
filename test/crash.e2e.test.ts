import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import type { Projection } from '../core/projection/projection.js';
import { allProjections } from '../projections/all.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { cleanEnv } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const worker = fileURLToPath(new URL('./helpers/append-worker.ts', import.meta.url));

/** Runs the worker until it has acknowledged `minAcks` batches, then kills it with SIGKILL. Returns the highest acked seq. */
function runAndKill(dir: string, minAcks: number): Promise<{ nodeId: string; maxAck: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dir], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  let acks = 0;
  let maxAck = 0;
  let nodeId = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ready ')) nodeId = line.slice(6);
        if (line.startsWith('ack ')) {
          maxAck = Math.max(maxAck, Number(line.slice(4)));
          if (++acks === minAcks) child.kill('SIGKILL');
        }
      }
    });
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve({ nodeId, maxAck }) : reject(new Error(`worker exited without being killed (${signal})`))));
  });
}

/** The same projection under another name, so it rebuilds from nothing beside the original. */
const fresh = <S>(p: Projection<S>): Projection<S> => ({ ...p, name: `${p.name}-fresh` });

async function records(runner: ProjectionRunner<unknown>): Promise<Array<[string, unknown]>> {
  const out: Array<[string, unknown]> = [];
  for await (const r of runner.store.records({})) out.push(r);
  return out;
}

t.test('kill -9 during heavy appends loses no acknowledged event; projections catch up to a fresh rebuild', async (t) => {
  const dir = tempDir(t);
  const registry = createRegistry();
  for (let round = 1; round <= 3; round++) {
    const { nodeId, maxAck } = await runAndKill(dir, 40 * round);
    const journal = await openLevelJournal(dir);
    try {
      t.ok((journal.vector()[nodeId] ?? 0) >= maxAck, `round ${round}: every acknowledged event (up to seq ${maxAck}) survived; head ${journal.vector()[nodeId]}`);
      const report = await verifyJournal(journal, registry);
      t.ok(report.ok, `round ${round}: journal verify passes ${JSON.stringify(report.problems.slice(0, 2))}`);
      for (const p of allProjections) {
        const resumed = new ProjectionRunner(journal, p, registry);
        const rebuilt = new ProjectionRunner(journal, fresh(p), registry);
        const checkpoint = await resumed.store.load();
        if (round === 3) t.ok((checkpoint?.position ?? 0) > 0, `round 3: ${p.name} resumes from a checkpoint written before the crash (${checkpoint?.position})`);
        await resumed.start();
        await rebuilt.store.clear();
        await rebuilt.start();
        await Promise.all([resumed.caughtUp(), rebuilt.caughtUp()]);
        await Promise.all([resumed.stop(), rebuilt.stop()]);
        t.same(resumed.state, rebuilt.state, `round ${round}: ${p.name} state resumed from its checkpoint equals a fresh rebuild`);
        t.same(await records(resumed), await records(rebuilt), `round ${round}: ${p.name} records equal a fresh rebuild`);
      }
    } finally {
      await journal.close();
    }
  }
});
