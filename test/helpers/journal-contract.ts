import type { Test } from 'tap';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { OpenJournalOptions } from '../../core/journal/open-journal.js';
import { hashBody } from '../../core/events/codec.js';
import { GENESIS_PREV, type JournalEntry } from '../../core/events/event.js';
import { sealMessage } from '../../core/events/core-events.js';
import { verifyMessage } from '../../core/identity/node-identity.js';
import type { RawEvent } from '../../core/journal/journal.js';
import { waitFor } from './wait-for.js';

export type JournalFactory = (t: Test, options?: OpenJournalOptions) => Promise<LevelJournal>;

const reading = (v: number) => ({ type: 'reading.sampled', data: { values: { 'system.load_1': v } } });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Raw events of `journal`'s own feed, as a peer would receive them. */
export async function rawFeed(journal: LevelJournal, fromSeq = 1, toSeq?: number): Promise<RawEvent[]> {
  const out: RawEvent[] = [];
  for await (const e of journal.readOrigin(journal.nodeId, fromSeq, toSeq)) out.push({ origin: e.event.origin, body: e.body });
  return out;
}

/** The behaviour every journal implementation must show (in-memory and LevelDB alike). */
export function journalContract(t: Test, open: JournalFactory): void {
  t.test('appends get contiguous seqs, positions and ids, and chain by hash', async (t) => {
    const j = await open(t);
    const entries = await j.append([reading(1), reading(2), reading(3)]);
    t.same(entries.map((e) => e.event.seq), [1, 2, 3]);
    t.same(entries.map((e) => e.position), [1, 2, 3]);
    t.equal(entries[0]!.event.id, `${j.nodeId}:1`);
    t.equal(entries[0]!.event.prev, GENESIS_PREV);
    const feed = await collect(j.readOrigin(j.nodeId, 1));
    t.equal(feed[1]!.event.prev, hashBody(j.nodeId, feed[0]!.body), 'event 2 points at the hash of event 1');
    t.equal(j.heads().get(j.nodeId)!.hash, hashBody(j.nodeId, feed[2]!.body));
    t.same(j.vector(), { [j.nodeId]: 3 });
    t.equal(j.lastPosition(), 3);
  });

  t.test('concurrent appends are group-committed in call order and all resolve', async (t) => {
    const j = await open(t);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => j.append([reading(i)])));
    t.same(results.map((r) => r[0]!.event.seq), Array.from({ length: 500 }, (_, i) => i + 1));
    const read = await collect(j.read());
    t.equal(read.length, 500);
    t.same(read.map((e) => (e.event.data as { values: Record<string, number> }).values['system.load_1']), Array.from({ length: 500 }, (_, i) => i));
  });

  t.test('timestamps are monotonic even when the wall clock goes backwards', async (t) => {
    let now = 1_700_000_000_000;
    const jumps: string[] = [];
    const j = await open(t, { clock: { now: () => now, onJump: (jump) => jumps.push(jump.kind) } });
    const a = await j.append([reading(1)]);
    now -= 3_600_000;
    const b = await j.append([reading(2), reading(3)]);
    t.ok(a[0]!.event.hlc < b[0]!.event.hlc && b[0]!.event.hlc < b[1]!.event.hlc);
    t.same(jumps, ['backward']);
  });

  t.test('reads filter by type, origin, range, limit and direction', async (t) => {
    const j = await open(t);
    await j.append([reading(1), { type: 'node.stopped', data: { reason: 'x' } }, reading(2), reading(3)]);
    t.same((await collect(j.read({ types: ['node.stopped'] }))).map((e) => e.position), [2]);
    t.same((await collect(j.read({ fromPosition: 2, toPosition: 3 }))).map((e) => e.position), [2, 3]);
    t.same((await collect(j.read({ reverse: true, limit: 2 }))).map((e) => e.position), [4, 3]);
    t.same((await collect(j.read({ types: ['reading.sampled'], limit: 2 }))).map((e) => e.position), [1, 3]);
    t.same(await collect(j.read({ origins: ['nobody'] })), []);
    t.equal((await j.get(j.nodeId, 2))!.event.type, 'node.stopped');
    t.equal((await j.getAt(4))!.event.seq, 4);
    t.equal(await j.get(j.nodeId, 99), undefined);
  });

  t.test('a subscription catches up from a position, then follows live with no gap or duplicate', async (t) => {
    const j = await open(t);
    await j.append(Array.from({ length: 1200 }, (_, i) => reading(i)));
    const seen: number[] = [];
    const sub = j.subscribe({ fromPosition: 100, batchSize: 64 }, (entries) => {
      for (const e of entries) seen.push(e.position);
    });
    const live = Promise.all(Array.from({ length: 50 }, (_, i) => j.append([reading(i)])));
    await live;
    const last = j.lastPosition();
    t.ok(last >= 1250, 'every append is durable');
    await waitFor(() => sub.position >= last, { timeoutMs: 10_000, message: `the subscription to reach position ${last}` });
    sub.close();
    await sub.done;
    t.same(seen, Array.from({ length: last - 99 }, (_, i) => i + 100));
  });

  t.test('a subscription reads what the recent-entries ring no longer holds from the store, in order', async (t) => {
    const j = await open(t, { sealEvery: 1_000_000 });
    await j.append(Array.from({ length: 10_000 }, (_, i) => reading(i))); // the ring keeps 4,096
    const seen: Array<[number, unknown]> = [];
    const sub = j.subscribe({ fromPosition: 1, batchSize: 512 }, (entries) => {
      for (const e of entries) seen.push([e.position, (e.event.data as { values: Record<string, number> }).values['system.load_1']]);
    });
    await waitFor(() => sub.position >= 10_000, { timeoutMs: 20_000, message: 'the subscription to read 10,000 entries' });
    sub.close();
    await sub.done;
    t.same(seen, Array.from({ length: 10_000 }, (_, i) => [i + 1, i]));
  });

  t.test('a subscription with a type filter sees only those types', async (t) => {
    const j = await open(t);
    const got: string[] = [];
    const sub = j.subscribe({ fromPosition: 1, types: ['node.stopped'] }, (es) => void got.push(...es.map((e) => e.event.type)));
    await j.append([reading(1), { type: 'node.stopped', data: { reason: 'x' } }, reading(2)]);
    await waitFor(() => got.length >= 1, { timeoutMs: 10_000, message: 'the node.stopped event' });
    sub.close();
    await sub.done;
    t.same(got, ['node.stopped']);
  });

  t.test('the feed is sealed every sealEvery events with a valid signature over the head', async (t) => {
    const j = await open(t, { sealEvery: 10 });
    const entries = await j.append(Array.from({ length: 10 }, (_, i) => reading(i)));
    const seal = entries[10]!;
    t.equal(seal.event.type, 'feed.sealed');
    const data = seal.event.data as { seq: number; hash: string; publicKey: string; signature: string };
    t.equal(data.seq, 10);
    t.equal(data.hash, seal.event.prev, 'the seal covers the event just before it');
    t.ok(verifyMessage(j.publicKey, sealMessage(j.nodeId, data.seq, data.hash), data.signature));
    t.notOk(verifyMessage(j.publicKey, sealMessage(j.nodeId, data.seq, GENESIS_PREV), data.signature));
    t.equal(await j.seal(), undefined, 'nothing unsealed, nothing to seal');
    await j.append([reading(99)]);
    t.equal((await j.seal())!.event.type, 'feed.sealed');
  });

  t.test('ingesting another node\'s feed is verbatim, idempotent and all-or-nothing', async (t) => {
    const a = await open(t);
    const b = await open(t);
    await a.append(Array.from({ length: 5 }, (_, i) => reading(i)));
    const feed = await rawFeed(a);
    const first = await b.ingest(feed.slice(0, 3));
    t.equal(first.applied, 3);
    const again = await b.ingest(feed);
    t.same([again.applied, again.duplicates], [2, 3]);
    t.same(b.vector()[a.nodeId], 5);
    t.equal(b.heads().get(a.nodeId)!.hash, a.heads().get(a.nodeId)!.hash, 'same chain head on both');
    const copy = await collect(b.readOrigin(a.nodeId, 1));
    t.same(copy.map((e) => e.event), (await collect(a.readOrigin(a.nodeId, 1))).map((e) => e.event));
  });

  t.test('readOriginRaw yields an origin\'s stored bodies by seq, consecutive in the log or interleaved', async (t) => {
    const a = await open(t);
    const b = await open(t);
    await a.append(Array.from({ length: 30 }, (_, i) => reading(i)));
    const feed = await rawFeed(a);
    await b.ingest(feed.slice(0, 10));
    await b.append(Array.from({ length: 25 }, (_, i) => reading(100 + i))); // a's events are at positions 1-10 and 36-55
    await b.ingest(feed.slice(10));
    const raw = async (origin: string, from: number, to?: number) => (await collect(b.readOriginRaw(origin, from, to))).map((e) => [e.seq, e.body.toString('hex')]);
    const decoded = async (origin: string, from: number, to?: number) => (await collect(b.readOrigin(origin, from, to))).map((e) => [e.event.seq, e.body.toString('hex')]);
    t.same(await raw(a.nodeId, 1), await decoded(a.nodeId, 1), 'mostly consecutive: read by scanning the log');
    t.equal((await raw(a.nodeId, 1)).length, 30);
    t.same(await raw(a.nodeId, 9, 12), await decoded(a.nodeId, 9, 12), 'spread out: read through the index');
    t.same(await raw(b.nodeId, 3, 7), await decoded(b.nodeId, 3, 7), 'own feed');
    t.same(await raw(a.nodeId, 29, 99), await decoded(a.nodeId, 29, 30), 'ends at the head');
    t.same(await raw(a.nodeId, 31), [], 'nothing past the head');
    t.same(await raw('nobody', 1), [], 'an unknown origin has nothing');
  });

  t.test('live subscribers receive ingested events decoded, each of them', async (t) => {
    const a = await open(t);
    const b = await open(t);
    await a.append(Array.from({ length: 5 }, (_, i) => reading(i)));
    const seen: string[][] = [[], []];
    const subs = [0, 1].map((i) =>
      b.subscribe({ fromPosition: 1, ...(i === 1 ? { types: ['reading.sampled'] } : {}) }, (entries) => {
        for (const e of entries) seen[i]!.push(`${e.position} ${e.event.id} ${JSON.stringify(e.event.data)}`);
      }),
    );
    await b.ingest(await rawFeed(a));
    await waitFor(() => subs.every((s) => s.position >= 5), { timeoutMs: 10_000, message: 'both subscriptions to reach position 5' });
    for (const s of subs) s.close();
    await Promise.all(subs.map((s) => s.done));
    const expected = (await collect(a.readOrigin(a.nodeId, 1))).map((e, i) => `${i + 1} ${e.event.id} ${JSON.stringify(e.event.data)}`);
    t.same(seen, [expected, expected]);
  });

  t.test('ingest takes a hash its caller computed, and still checks the chain with it', async (t) => {
    const a = await open(t);
    const b = await open(t);
    await a.append(Array.from({ length: 4 }, (_, i) => reading(i)));
    const feed = (await rawFeed(a)).map((e) => ({ ...e, hash: hashBody(e.origin, e.body) }));
    t.equal((await b.ingest(feed.slice(0, 2))).applied, 2);
    t.equal(b.heads().get(a.nodeId)!.hash, feed[1]!.hash, 'the head carries the given hash');
    const wrong = { ...feed[2]!, hash: 'f'.repeat(64) };
    t.equal((await b.ingest([wrong])).applied, 1, 'a hash is taken as given');
    await t.rejects(b.ingest([feed[3]!]), { code: 'SMOL_CHAIN_BROKEN' }, 'the next event does not chain onto a wrong hash');
  });

  t.test('ingest refuses gaps, broken chains and conflicting duplicates, and changes nothing', async (t) => {
    const a = await open(t);
    const b = await open(t);
    await a.append(Array.from({ length: 6 }, (_, i) => reading(i)));
    const feed = await rawFeed(a);
    await t.rejects(b.ingest([feed[0]!, feed[2]!]), { code: 'SMOL_SEGMENT_GAP' });
    t.same(b.vector(), {}, 'nothing of a half-valid set was applied');
    const tampered = Buffer.from(feed[1]!.body);
    tampered[9]! ^= 1; // the HLC counter: still decodes, but the hash differs
    await t.rejects(b.ingest([feed[0]!, { origin: a.nodeId, body: tampered }, feed[2]!]), { code: 'SMOL_CHAIN_BROKEN' });
    t.same(b.vector(), {});
    await b.ingest(feed.slice(0, 2));
    await t.rejects(b.ingest([{ origin: a.nodeId, body: tampered }]), { code: 'SMOL_SEGMENT_CONFLICT' });
    t.equal(b.lastPosition(), 2);
  });

  t.test('a projection store commits state, checkpoint and records together', async (t) => {
    const j = await open(t);
    const store = j.projectionStore('demo');
    t.equal(await store.load(), undefined);
    await store.commit({ version: 1, position: 7, state: { n: 1 } }, new Map<string, unknown>([['a/1', 1], ['a/2', 2], ['b/1', 3]]));
    t.same(await store.load(), { version: 1, position: 7, state: { n: 1 } });
    const range: Array<[string, unknown]> = [];
    for await (const r of store.records({ gte: 'a/', lt: 'a0' })) range.push(r);
    t.same(range, [['a/1', 1], ['a/2', 2]]);
    await store.commit({ version: 1, position: 8, state: { n: 2 } }, new Map([['a/1', undefined]]));
    t.equal(await store.getRecord('a/1'), undefined);
    await store.clear();
    t.equal(await store.load(), undefined);
    t.equal(await store.getRecord('b/1'), undefined);
  });

  t.test('a closed journal refuses appends with a code', async (t) => {
    const j = await open(t);
    await j.close();
    await t.rejects(j.append([reading(1)]), { code: 'SMOL_JOURNAL_CLOSED' });
  });
}

export type { JournalEntry };
