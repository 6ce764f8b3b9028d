import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClassicLevel } from 'classic-level';
import { openLevelJournal } from '../core/journal/open-journal.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { createProjections } from '../projections/all.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { cleanEnv } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { T0, collect, fillDays } from './helpers/retention-fixtures.js';

const child = fileURLToPath(new URL('./helpers/snapshot-crash-child.ts', import.meta.url));
const registry = createRegistry();
const [sensors] = createProjections();
const name = sensors!.name;

function runChild(dir: string, killAt: string): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, name, killAt], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve(signal ?? `exit ${code}`)));
}

async function project(journal: LevelJournal): Promise<void> {
  const runner = new ProjectionRunner(journal, sensors!, registry);
  await runner.start();
  await runner.caughtUp(journal.lastPosition());
  await runner.stop();
}

t.test('kill -9 at any step of a projection snapshot: the snapshot the meta names restores whole, old or new', async (t) => {
  const dir = tempDir(t);
  const clock = { t: T0 };
  const open = () => openLevelJournal(dir, { clock: { now: () => clock.t } });
  let journal = await open();
  // Records by checkpoint position: every snapshot that can be current must restore to one of these.
  const byPosition = new Map<number, unknown>();
  const remember = async () => byPosition.set((await journal.projectionStore(name).load())!.position, await collect(journal.projectionStore(name).records({})));
  await fillDays(journal, clock, 3, 20_000);
  await project(journal);
  await remember();
  await journal.projectionSnapshots.take(name);

  for (const killAt of ['chunk-batch', 'flipped', 'cleared', 'none']) {
    await fillDays(journal, clock, 1, 20_000); // the projection moves on: the next snapshot differs
    await project(journal);
    await remember();
    const before = (await journal.projectionSnapshots.info(name))!.position;
    const now = (await journal.projectionStore(name).load())!.position;
    await journal.close();
    t.equal(await runChild(dir, killAt), killAt === 'none' ? 'exit 0' : 'SIGKILL', `${killAt}: the child ended as planned`);

    journal = await open();
    const current = (await journal.projectionSnapshots.info(name))!.position;
    t.equal(current, killAt === 'chunk-batch' ? before : now, `${killAt}: the meta names the ${killAt === 'chunk-batch' ? 'previous' : 'new'} snapshot`);
    const kept = await collect(journal.projectionStore(name).records({}));
    await journal.projectionStore(name).clear();
    const restored = await journal.projectionSnapshots.restore(name, sensors!.version);
    t.equal(restored?.position, current, `${killAt}: it restores`);
    t.same(await collect(journal.projectionStore(name).records({})), byPosition.get(current), `${killAt}: record for record the state it was taken of`);
    // Back to the live state for the next round (the runner would simply catch up from the snapshot).
    await journal.projectionStore(name).clear();
    await project(journal);
    t.same(await collect(journal.projectionStore(name).records({})), kept, `${killAt}: and the projection catches up to where it was`);
    t.ok((await verifyJournal(journal, registry)).ok, `${killAt}: journal verify passes`);
  }
  const db = journal.database as unknown as ClassicLevel<Buffer, Buffer>;
  const keys = await collect(db.keys({ gte: Buffer.from(`!snap!!${name}!`), lt: Buffer.from(`!snap!!${name}"`) } as never) as AsyncIterable<Buffer>);
  t.equal(new Set(keys.map((k) => k.toString('latin1').slice(0, `!snap!!${name}!!a!`.length))).size, 1, 'after a whole snapshot, one slot holds keys');
  await journal.close();
});
