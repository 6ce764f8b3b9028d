import t from 'tap';
import { openNodeJournal } from '../adapters/cli/data-dir.js';
import { loadConfig } from '../adapters/config/load-config.js';
import { ErrorCodes } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

// Peers validate every event at sync and refuse the whole segment over one bad event, so a node
// must not write one: its feed would stop syncing for good (a NaN box from a model, a bug).
t.test("a node's journal refuses a local event its schema refuses, and writes nothing of the batch", async (t) => {
  const dir = tempDir(t);
  const config = await loadConfig({ env: {}, flags: { dataDir: dir }, cwd: dir });
  const journal = await openNodeJournal(config, { sync: false });
  t.teardown(() => journal.close());
  const before = journal.lastPosition();

  const good = { type: 'reading.sampled', data: { values: { 'test.temp': 21.5 } } };
  const badBox = { type: 'vision.detected', data: { camera: 'porch', objectId: 'o1', phase: 'new', label: 'person', score: 0.9, topScore: 0.9, box: { x: Number.NaN, y: 0, w: 0.5, h: 0.5 }, zones: [], startedAtMs: 1 } };
  await t.rejects(journal.append([good, badBox]), { code: ErrorCodes.EVENT_INVALID, message: /vision\.detected v1: box\.x/ }, 'the bad event is named with its path');
  t.equal(journal.lastPosition(), before, 'nothing of the batch was written, the good reading neither');

  await t.rejects(journal.append([{ type: 'reading.sampled', data: { values: { 'test.temp': 'warm' } } }]), { code: ErrorCodes.EVENT_INVALID }, 'a reading that is not a number');

  const [entry] = await journal.append([good]);
  t.equal(entry!.position, before + 1, 'a valid event is written');
  const [other] = await journal.append([{ type: 'test.unknown', data: { anything: true } }]);
  t.ok(other, 'a type this build does not know is kept, as sync keeps it');
});
