import t from 'tap';
import { createRegistry } from '../core/events/default-registry.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { SmolNode } from '../core/runtime/smol-node.js';
import { listVisionObjects, openObjects, visionProjection, type VisionState } from '../projections/vision.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { tempDir } from './helpers/temp-dir.js';

// The vision projection is checkpointed like the others: a restarted node resumes from its commit
// (reading nothing again) and holds what a replay of the journal from scratch holds.

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

t.test('after a restart the vision projection resumes from its checkpoint and equals a rebuild', async (t) => {
  const dir = tempDir(t);
  let journal = await openLevelJournal(dir);
  const start = () => SmolNode.create({
    journal, registry: createRegistry(), name: 'cam', role: 'alpaca', software: 'test', projections: [visionProjection], schedules: [],
    sealIntervalMs: 60_000, timers: new ManualTimers(),
  });
  let node = await start();
  const box = { x: 0.2, y: 0.2, w: 0.3, h: 0.6 };
  for (let i = 0; i < 30; i += 1) {
    const base = { camera: i % 2 ? 'door' : 'yard', objectId: `o-${i}`, label: i % 3 ? 'person' : 'car', score: 0.7, topScore: 0.7, box, zones: [], startedAtMs: T0 + i };
    await journal.appendOne('vision.detected', { ...base, phase: 'new' });
    if (i % 4 !== 0) await journal.appendOne('vision.detected', { ...base, phase: 'end' });
  }
  const last = await journal.appendOne('vision.classified', { camera: 'door', top: [{ label: 'person', score: 0.5 }] });
  await node.runner('vision').caughtUp(last.position);
  const before = structuredClone(node.runner<VisionState>('vision').state);
  t.equal(openObjects(before, journal.nodeId).length, 8, 'every fourth object is still open');
  await node.stop('test');
  await journal.close();

  journal = await openLevelJournal(dir);
  t.teardown(() => journal.close());
  node = await start();
  const resumed = node.runner<VisionState>('vision');
  t.ok(resumed.position >= last.position, `resumed at its checkpoint (${resumed.position})`);
  t.same(resumed.state, before, 'the state came back from the checkpoint');

  const alone = new ProjectionRunner(journal, { ...visionProjection, name: 'vision-rebuilt' }, createRegistry());
  await alone.start();
  await alone.caughtUp(journal.lastPosition());
  t.same(alone.state, resumed.state, 'a replay from scratch gives the same state');
  t.same(listVisionObjects(alone.state as VisionState, { limit: 500 }), listVisionObjects(resumed.state, { limit: 500 }));
  await alone.stop();
  await node.stop('test');
});
