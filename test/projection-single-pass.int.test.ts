import t from 'tap';
import { openLevelJournal } from '../core/journal/open-journal.js';
import type { Journal } from '../core/journal/journal.js';
import type { EventDraft } from '../core/events/event.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import type { Projection } from '../core/projection/projection.js';
import { SmolNode } from '../core/runtime/smol-node.js';
import { allProjections } from '../projections/all.js';
import { rebuildProjections } from '../journal-tools/rebuild.js';
import { tempDir } from './helpers/temp-dir.js';
import { ManualTimers } from './helpers/manual-timers.js';

// A cold start or `journal rebuild` reads the journal once for every projection (issue 11, item 4).

/** Counts the journal positions subscriptions scan, and the subscriptions opened. */
function countReads(journal: Journal) {
  const scans = new Map<number, number>();
  const counted = { subscriptions: 0, scans };
  const subscribe = journal.subscribe.bind(journal);
  journal.subscribe = (options, onBatch) => {
    counted.subscriptions++;
    let last = (options.fromPosition ?? journal.lastPosition() + 1) - 1;
    return subscribe(options, (entries, scannedTo) => {
      for (let p = last + 1; p <= scannedTo; p++) scans.set(p, (scans.get(p) ?? 0) + 1);
      last = scannedTo;
      return onBatch(entries, scannedTo);
    });
  };
  return counted;
}

const by = { kind: 'cli' as const };
/** A mix every projection handles part of: readings, registrations, storage writes and deletes. */
function drafts(n: number): EventDraft[] {
  return Array.from({ length: n }, (_, i): EventDraft => {
    if (i % 50 === 0) return { type: 'source.registered', data: { source: `s${i % 7}`, provider: 'test', simulated: true } };
    if (i % 10 === 3) return { type: 'storage.written', data: { key: `k${i % 13}`, value: i, by } };
    if (i % 97 === 5) return { type: 'storage.deleted', data: { key: `k${i % 13}`, by } };
    return { type: 'reading.sampled', data: { values: { [`s${i % 7}`]: i % 101 } } };
  });
}

const fresh = <S>(p: Projection<S>): Projection<S> => ({ ...p, name: `${p.name}-alone` });

async function dump(runner: ProjectionRunner<unknown>): Promise<unknown> {
  const records: Array<[string, unknown]> = [];
  for await (const r of runner.store.records({})) records.push(r);
  return { state: runner.state, records };
}

t.test('journal rebuild reads each position once for all projections, and ends where each alone would', async (t) => {
  const journal = await openLevelJournal(tempDir(t));
  t.teardown(() => journal.close());
  for (let i = 0; i < 4; i++) await journal.append(drafts(1500));
  const last = journal.lastPosition();
  const counted = countReads(journal);
  const rebuilt = await rebuildProjections(journal, createRegistry(), allProjections, undefined, { commitEvery: 700 });
  t.equal(counted.subscriptions, 1, 'one subscription for all projections');
  t.equal(counted.scans.size, last, 'every position was scanned');
  t.same([...new Set(counted.scans.values())], [1], 'and each exactly once');
  t.same(rebuilt.map((r) => r.position), allProjections.map(() => last), 'every projection is at the end of the journal');

  journal.subscribe = Object.getPrototypeOf(journal).subscribe.bind(journal);
  const registry = createRegistry();
  for (const p of allProjections) {
    const grouped = new ProjectionRunner(journal, p, registry);
    await grouped.load();
    const alone = new ProjectionRunner(journal, fresh(p), registry);
    await alone.start();
    await alone.caughtUp(last);
    await alone.stop();
    t.same(await dump(grouped), await dump(alone), `${p.name}: rebuilt in the shared pass equals a replay on its own`);
  }
});

t.test('a cold node start catches every projection up from one pass, logging progress; a warm start reads nothing', async (t) => {
  const dir = tempDir(t);
  let journal = await openLevelJournal(dir);
  for (let i = 0; i < 6; i++) await journal.append(drafts(1000));
  const last = journal.lastPosition();
  let counted = countReads(journal);
  const lines: string[] = [];
  const start = () =>
    SmolNode.create({
      journal, registry: createRegistry(), name: 'cold', role: 'alpaca', software: 'test', projections: allProjections, schedules: [], sealIntervalMs: 60_000,
      timers: new ManualTimers(), projectionOptions: { commitEvery: 2000 }, log: (m) => void lines.push(m),
    });
  let node = await start();
  await Promise.all([...node.runners.values()].map((r) => r.caughtUp(last)));
  for (const [name, r] of node.runners) t.equal(r.position, last, `${name} caught up`);
  t.equal(counted.subscriptions, 1, 'one journal subscription feeds every projection');
  t.same([...new Set(counted.scans.values())], [1], 'each position scanned once');
  t.ok(lines.includes('projections catching up') && lines.includes('projections caught up'), `progress logged: ${lines.join(' | ')}`);
  t.ok(node.runner('sensors').commits >= 2, 'commitEvery committed during the catch-up');
  await node.stop('test');
  await journal.close();

  journal = await openLevelJournal(dir);
  t.teardown(() => journal.close());
  counted = countReads(journal);
  lines.length = 0;
  node = await start();
  for (const [name, r] of node.runners) t.ok(r.position >= last, `${name} resumed at its checkpoint (${r.position})`);
  t.equal(counted.scans.size, 0, 'a warm start re-reads nothing (the node was created, not begun: its stop journals nothing)');
  t.notOk(lines.includes('projections catching up'), 'no catch-up to log');
  await node.stop('test');
});
