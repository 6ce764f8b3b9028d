import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { hashBody } from '../core/events/codec.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { createProjections } from '../projections/all.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { cleanEnv } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { T0, fillDays, moveAllCold } from './helpers/retention-fixtures.js';

const child = fileURLToPath(new URL('./helpers/retention-crash-child.ts', import.meta.url));

/** Runs one retention pass in a child that kills itself at `killAt`; resolves with the signal or exit code. */
function runChild(dir: string, killAt: string): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, killAt], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve(signal ?? `exit ${code}`)));
}

t.test('kill -9 at any step of retention: journal verify passes and nothing outside the dropped file is lost', async (t) => {
  const dir = tempDir(t);
  const clock = { t: T0 };
  const registry = createRegistry();
  const open = () => openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
  let journal = await open();
  await fillDays(journal, clock, 14, 60_000);
  await moveAllCold(journal, clock);
  const [sensors] = createProjections();
  const runner = new ProjectionRunner(journal, sensors!, registry);
  await runner.start();
  await runner.caughtUp(journal.lastPosition());
  await runner.stop();
  // Every event's hash by seq, to tell afterwards what is still there.
  const origin = journal.nodeId;
  const hashes = new Map<number, string>();
  for await (const e of journal.readOrigin(origin, 1)) hashes.set(e.event.seq, hashBody(origin, e.body));
  await journal.close();

  for (const killAt of ['snapshot', 'before-batch', 'manifest-dropped', 'unlinked', 'none']) {
    journal = await open();
    const filesBefore = journal.coldManifest!.list();
    const basisBefore = journal.basis(origin)?.seq ?? 0;
    await journal.close();
    const how = await runChild(dir, killAt);
    t.equal(how, killAt === 'none' ? 'exit 0' : 'SIGKILL', `${killAt}: the child ended as planned`);

    journal = await open();
    const report = await verifyJournal(journal, registry);
    t.ok(report.ok, `${killAt}: journal verify passes ${JSON.stringify(report.problems.slice(0, 2))}`);
    const files = journal.coldManifest!.list();
    const basis = journal.basis(origin)?.seq ?? 0;
    const dropped = files.length === filesBefore.length - 1;
    if (['manifest-dropped', 'unlinked', 'none'].includes(killAt)) t.ok(dropped, `${killAt}: the drop happened`);
    else t.equal(files.length, filesBefore.length, `${killAt}: nothing was dropped`);
    t.equal(basis, dropped ? filesBefore[0]!.origins.find((r) => r.origin === origin)!.toSeq : basisBefore, `${killAt}: the basis matches what the manifest holds`);
    const onDisk = readdirSync(join(dir, 'cold')).filter((n) => n.endsWith('.smolseg')).sort();
    t.same(onDisk, files.map((f) => f.name).sort(), `${killAt}: the cold directory holds exactly the manifest's files (an orphan is removed on open)`);
    let held = 0;
    for await (const e of journal.readOrigin(origin, basis + 1)) {
      if (hashes.has(e.event.seq)) {
        if (hashBody(origin, e.body) !== hashes.get(e.event.seq)) t.fail(`${origin}:${e.event.seq} changed`);
        held++;
      }
    }
    t.equal(held, hashes.size - basis, `${killAt}: every event after the basis is there, byte for byte`);
    await journal.close();
  }
});
