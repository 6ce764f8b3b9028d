import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import type { JournalEntry } from '../core/events/event.js';
import { LiveFanout, type LiveMember } from '../adapters/http/ws-fanout.js';
import { waitFor } from './helpers/wait-for.js';

const encoded: Array<readonly string[]> = [];
const entryJson = (e: JournalEntry) => String(e.position);
const frame = (entries: readonly string[], to: number) => {
  encoded.push(entries);
  return JSON.stringify({ entries: entries.map(Number), to });
};

async function setup(t: Test, pause: (sent: boolean) => number = () => 0) {
  const journal = await openMemoryJournal();
  const fanout = new LiveFanout(journal, { entryJson, frame, pause });
  t.teardown(async () => {
    fanout.close();
    await journal.close();
  });
  const append = (n: number) => journal.append(Array.from({ length: n }, (_, i) => ({ type: 'reading.sampled', data: { values: { 'test.x': i } } })));
  return { journal, fanout, append };
}

/** A member that records what it was sent; `room` says whether its socket still has room. */
function member(position: number) {
  const m = {
    position,
    frames: [] as Array<Buffer | string>,
    seen: [] as number[],
    room: true,
    left: 0,
    send(f: Buffer | string) {
      m.frames.push(f);
      m.seen.push(...(JSON.parse(String(f)) as { entries: number[] }).entries);
      return m.room;
    },
    onLeft() {
      m.left++;
    },
  };
  return m satisfies LiveMember;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

t.test('members with the same filter share one subscription and get the very same bytes', async (t) => {
  const { journal, fanout, append } = await setup(t);
  await append(3);
  const at = journal.lastPosition();
  const members = Array.from({ length: 10 }, () => member(at));
  for (const m of members) t.ok(fanout.tryJoin({ types: ['reading.sampled'] }, m));
  t.ok(fanout.tryJoin({}, member(at)), 'another filter');
  t.equal(fanout.groupCount, 2, 'one group per distinct filter');
  encoded.length = 0;
  await append(50);
  const last = journal.lastPosition();
  await waitFor(() => members.every((m) => m.position === last), { timeoutMs: 5000, message: 'every member has everything', intervalMs: 5 });
  for (const m of members) t.same(m.seen, range(at + 1, last), 'in order, no gap, no duplicate');
  t.ok(members.every((m) => m.frames.every((f, i) => f === members[0]!.frames[i])), 'the same Buffer object for every member');
  t.ok(Buffer.isBuffer(members[0]!.frames[0]));
});

t.test('a member that read ahead gets only what it has not seen; one that lags may not join', async (t) => {
  // Frames at least 1.5 s apart, so what is appended right after a frame waits for the next.
  const { journal, fanout, append } = await setup(t, (sent) => (sent ? 1500 : 0));
  await append(5);
  const first = member(journal.lastPosition());
  fanout.tryJoin({}, first);
  await append(5);
  await waitFor(() => first.position === 10, { timeoutMs: 5000, message: 'first frame', intervalMs: 5 });
  t.notOk(fanout.tryJoin({}, member(7)), 'behind the group: keeps catching up alone');
  await append(4);
  const ahead = member(13); // read 11..13 by itself
  t.ok(fanout.tryJoin({}, ahead), 'at or past the group: joins');
  await waitFor(() => first.position === 14, { timeoutMs: 5000, message: 'next frame', intervalMs: 5 });
  t.same(first.seen, range(6, 14));
  t.same(ahead.seen, [14], 'only the unseen tail');
  t.equal(ahead.position, 14);
});

t.test('a member without room is let go after its frame and told; the last one out closes the group', async (t) => {
  const { journal, fanout, append } = await setup(t);
  const slow = member(journal.lastPosition());
  const fine = member(journal.lastPosition());
  fanout.tryJoin({}, slow);
  fanout.tryJoin({}, fine);
  slow.room = false;
  await append(3);
  await waitFor(() => slow.left === 1, { timeoutMs: 5000, message: 'slow member let go', intervalMs: 5 });
  t.equal(slow.position, journal.lastPosition(), 'its position counts the frame it was sent');
  await append(2);
  await waitFor(() => fine.position === journal.lastPosition(), { timeoutMs: 5000, message: 'the other goes on', intervalMs: 5 });
  t.equal(slow.seen.length, 3, 'nothing more for the one let go');
  t.equal(fanout.groupCount, 1);
  fanout.leave(fine);
  t.equal(fanout.groupCount, 0, 'no members, no subscription');
  t.equal(fine.left, 0, 'an explicit leave does not call onLeft');
});

t.test('the pause after each frame coalesces a storm into few frames, whole and in order', async (t) => {
  const asked: boolean[] = [];
  const { journal, fanout, append } = await setup(t, (sent) => (asked.push(sent), 20));
  const m = member(journal.lastPosition());
  fanout.tryJoin({}, m);
  for (let i = 0; i < 20; i++) await append(100);
  const last = journal.lastPosition();
  await waitFor(() => m.position === last, { timeoutMs: 5000, message: 'caught up after the storm', intervalMs: 5 });
  t.same(m.seen, range(1, last));
  t.ok(m.frames.length < 20, `${m.frames.length} frames for 20 appends of 100`);
  t.ok(asked.length >= m.frames.length && asked.includes(true), 'asked after every window');
});
