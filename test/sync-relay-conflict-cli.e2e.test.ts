import t, { type Test } from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '../core/errors.js';
import type { SyncConflictDetectedData } from '../core/events/sync-events.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { falsifyReading, forgeFeedInto, openNodeDirJournal } from './helpers/forged-feed.js';

t.setTimeout(300_000);

async function cli(t: Test, args: string[], expectCode = 0): Promise<string> {
  const r = await runCli(args);
  t.equal(r.code, expectCode, `smollama ${args.join(' ')} exits ${expectCode}${r.code === expectCode ? '' : `: ${r.stderr}${r.stdout}`}`);
  return r.stdout + r.stderr;
}

t.test('journal import of a segment in which a trusted relay altered an event C holds: exit 1 with SMOL_SEGMENT_CONFLICT, journaled', async (t) => {
  const root = tempDir(t, 'smollama-relay-cli-');
  const [a, b, c] = ['a', 'b', 'c'].map((n) => join(root, n)) as [string, string, string];
  // A's feed, and B's copy of it with A:5 changed: B is trusted by C and signs what it exports.
  const ja = await openNodeDirJournal(a);
  const jb = await openNodeDirJournal(b);
  await ja.append(Array.from({ length: 20 }, (_, i) => ({ type: 'reading.sampled', data: { values: { 'a.temp': 20 + i / 10 } } })));
  await ja.seal();
  await forgeFeedInto(jb, ja, ja.nodeId, falsifyReading(5));
  const A = ja.nodeId;
  const keys = { a: ja.publicKey, b: jb.publicKey };
  await ja.close();
  await jb.close();

  await cli(t, ['trust', 'show', '--data-dir', c]);
  await cli(t, ['trust', 'add', keys.a, '--name', 'node-a', '--data-dir', c]);
  await cli(t, ['trust', 'add', keys.b, '--name', 'node-b', '--data-dir', c]);
  const [stickA, stickB] = [join(root, 'stick-a'), join(root, 'stick-b')];
  mkdirSync(stickA);
  mkdirSync(stickB);
  await cli(t, ['journal', 'export', '--all', '--out', stickA, '--data-dir', a]);
  await cli(t, ['journal', 'export', '--all', '--out', stickB, '--data-dir', b]);
  t.match(await cli(t, ['journal', 'import', stickA, '--data-dir', c]), /applied/);

  const out = await cli(t, ['journal', 'import', stickB, '--data-dir', c], 1);
  t.match(out, new RegExp(`failed .*${ErrorCodes.SEGMENT_CONFLICT}`), 'refused as a conflict');
  t.match(out, new RegExp(`^error ${ErrorCodes.SEGMENT_CONFLICT}: `, 'm'), 'with the error line every failed command prints');
  t.notMatch(out, new RegExp(ErrorCodes.SEGMENT_REPLAYED), 'not reported as a harmless replay');
  t.notMatch(out, /\n\s+at /, 'no stack trace');
  const vector = JSON.parse(await cli(t, ['journal', 'vector', '--data-dir', c])).vector as Record<string, number>;
  t.equal(vector[A], 21, 'C holds A as it was');

  const tail = () => cli(t, ['journal', 'tail', '--type', 'sync.conflict.detected', '--limit', '10', '--json', '--data-dir', c]);
  const conflictsIn = (text: string) => text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { data?: SyncConflictDetectedData; event?: { data: SyncConflictDetectedData } })
      .map((o) => o.event?.data ?? o.data);
  const conflicts = conflictsIn(await tail());
  t.equal(conflicts.length, 1, 'one conflict journaled');
  t.match(conflicts[0], { peerName: 'node-b', via: 'usb', eventId: `${A}:5` });

  await cli(t, ['journal', 'import', stickB, '--data-dir', c], 1);
  t.equal(conflictsIn(await tail()).length, 1, 'a second delivery of the same forgery is refused, not journaled again');
});
