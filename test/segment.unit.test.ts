import t, { type Test } from 'tap';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes, type SmolError } from '../core/errors.js';
import { writeSegment } from '../core/sync/segment-writer.js';
import { readSegment } from '../core/sync/segment-reader.js';
import type { SegmentHeader } from '../core/sync/segment-format.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { CLUSTER, appendReadings, exportFor, feedBytes, importInto, testNode, type TestNode } from './helpers/segment-fixtures.js';

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of gen) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Re-writes the events of `from` for `ranges` under any header fields and signer. */
async function craft(from: TestNode, signer: TestNode, header: Partial<SegmentHeader> & Pick<SegmentHeader, 'ranges'>, alter?: (origin: string, seq: number, body: Buffer) => Buffer): Promise<Buffer> {
  const full: SegmentHeader = {
    format: 'smollama-segment',
    version: 1,
    cluster: CLUSTER,
    exporter: signer.journal.nodeId,
    publicKey: signer.journal.publicKey,
    created: '0000000000010000',
    compression: 'gzip',
    count: header.ranges.reduce((n, r) => n + r.to - r.from + 1, 0),
    basis: {},
    ...header,
  };
  return collect(
    writeSegment(
      full,
      async function* (r) {
        for await (const e of from.journal.readOrigin(r.origin, r.from, r.to)) yield alter ? alter(r.origin, e.event.seq, e.body) : e.body;
      },
      signer.sign,
    ),
  );
}

/** The same event with one digit of its data changed: still valid JSON and schema, another hash. */
function alterDigit(body: Buffer): Buffer {
  const out = Buffer.from(body);
  const i = out.lastIndexOf('}') - 2;
  out[i] = out[i] === 0x37 ? 0x38 : 0x37;
  return out;
}

async function rejects(t: Test, p: Promise<unknown>, code: string, node: TestNode, before: Record<string, number>): Promise<void> {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as SmolError | undefined;
  t.equal(err?.code, code, `fails with ${code}: ${err?.message}`);
  t.ok(err && err.message.length > 0 && !err.message.includes('\n'), 'with a one-line message');
  t.same(node.journal.vector(), before, 'and changes nothing');
}

t.test('a segment carries a feed to another node byte for byte, and importing it again changes nothing', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 5000);
  const [future] = await a.journal.append([{ type: 'future.thing', v: 3, data: { from: 'a newer node' } }]);
  const seg = await exportFor(a, b.journal.vector());
  const outcome = await importInto(b, seg, [a]);
  t.equal(outcome.applied, a.journal.vector()[a.journal.nodeId], 'every event applied');
  t.equal(outcome.code, undefined);
  t.same(b.journal.vector(), a.journal.vector(), 'same version vector');
  t.same(await feedBytes(b.journal, a.journal.nodeId), await feedBytes(a.journal, a.journal.nodeId), 'identical bodies');
  const unknown = await b.journal.get(a.journal.nodeId, future!.event.seq);
  t.match(unknown?.event, { type: 'future.thing', v: 3, data: { from: 'a newer node' } }, 'an unknown event type is kept');
  t.ok((await verifyJournal(b.journal, createRegistry())).ok, 'the imported feed verifies');
  const again = await importInto(b, seg, [a]);
  t.equal(again.code, ErrorCodes.SEGMENT_REPLAYED, 'a replayed segment is reported as such');
  t.equal(again.applied, 0);
  t.same(b.journal.vector(), a.journal.vector());
});

t.test('a large segment is verified in one pass and applied in a second, with the same result', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 3000);
  const seg = await exportFor(a, {}, { frameBytes: 4096 });
  const outcome = await importInto(b, seg, [a], { bufferEvents: 10, batchEvents: 700 });
  t.equal(outcome.applied, a.journal.vector()[a.journal.nodeId]);
  t.same(b.journal.vector(), a.journal.vector());
});

t.test('only what the other side lacks is exported, and it continues their head', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 1500);
  await importInto(b, await exportFor(a, {}), [a]);
  await appendReadings(a, 700);
  const seg = await exportFor(a, b.journal.vector());
  let header: SegmentHeader | undefined;
  for await (const item of readSegment([seg])) if (item.kind === 'header') header = item.header;
  t.same(header?.ranges, [{ origin: a.journal.nodeId, from: 1503, to: 2203 }], 'one range: past their head, up to our seal');
  t.equal((await importInto(b, seg, [a])).applied, 701);
  t.same(b.journal.vector(), a.journal.vector());
});

t.test('segments from an untrusted exporter or another cluster are refused', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 10);
  const seg = await exportFor(a, {});
  await rejects(t, importInto(b, seg, []), ErrorCodes.UNTRUSTED_NODE, b, {});
  await rejects(t, importInto(b, seg, [a], { cluster: 'elsewhere' }), ErrorCodes.SEGMENT_FOREIGN_CLUSTER, b, {});
});

t.test('a truncated segment is refused wherever it is cut', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 2000);
  const seg = await exportFor(a, {}, { frameBytes: 8192 });
  for (const cut of [5, 12, 40, 200, Math.floor(seg.length / 2), seg.length - 50, seg.length - 1]) {
    await rejects(t, importInto(b, seg.subarray(0, cut), [a]), ErrorCodes.SEGMENT_TRUNCATED, b, {});
  }
  await rejects(t, importInto(b, Buffer.alloc(0), [a]), ErrorCodes.SEGMENT_FORMAT, b, {});
  await rejects(t, importInto(b, Buffer.from('hello, this is not a segment at all'), [a]), ErrorCodes.SEGMENT_FORMAT, b, {});
});

t.test('a corrupted byte anywhere in the events is caught by a checksum', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 2000);
  const seg = await exportFor(a, {}, { frameBytes: 8192 });
  const bad = Buffer.from(seg);
  bad[seg.length - 400] = bad[seg.length - 400]! ^ 0x10;
  await rejects(t, importInto(b, bad, [a]), ErrorCodes.SEGMENT_CHECKSUM, b, {});
});

t.test('a forged segment is refused: wrong signer, or a relay altering another node’s events', async (t) => {
  const a = await testNode();
  const relay = await testNode();
  const c = await testNode();
  await appendReadings(a, 1200);
  await a.journal.seal();
  const head = a.journal.vector()[a.journal.nodeId]!;
  const ranges = [{ origin: a.journal.nodeId, from: 1, to: head }];
  // Signed by the relay's key while claiming to be a's export.
  const impostor = await craft(a, relay, { ranges, exporter: a.journal.nodeId, publicKey: a.journal.publicKey }).catch(() => undefined);
  if (impostor) await rejects(t, importInto(c, impostor, [a, relay]), ErrorCodes.SEGMENT_SIGNATURE, c, {});
  // The relay changes a reading in a's feed and signs the segment with its own (trusted) key.
  const altered = await craft(a, relay, { ranges }, (_o, seq, body) => (seq === 600 ? alterDigit(body) : body));
  await rejects(t, importInto(c, altered, [relay]), ErrorCodes.SEAL_INVALID, c, {});
  // The relay cuts a's feed where a never sealed, claiming events nobody signed.
  const unsealed = await craft(a, relay, { ranges: [{ origin: a.journal.nodeId, from: 1, to: 900 }] });
  await rejects(t, importInto(c, unsealed, [relay]), ErrorCodes.SEGMENT_UNSEALED, c, {});
  // An honest relay's copy verifies as a's.
  const honest = await craft(a, relay, { ranges });
  t.equal((await importInto(c, honest, [relay])).applied, head, 'a relay that only forwards is accepted');
  t.ok((await verifyJournal(c.journal, createRegistry())).ok);
});

t.test('a relay A → B → C delivers A’s events, still verifiable as A’s', async (t) => {
  const a = await testNode();
  const b = await testNode();
  const c = await testNode();
  await appendReadings(a, 2500);
  await importInto(b, await exportFor(a, b.journal.vector()), [a]);
  await appendReadings(b, 10);
  const fromB = await exportFor(b, c.journal.vector());
  const outcome = await importInto(c, fromB, [b]);
  t.equal(outcome.code, undefined);
  t.equal(c.journal.vector()[a.journal.nodeId], a.journal.vector()[a.journal.nodeId], 'all of A');
  t.equal(c.journal.vector()[b.journal.nodeId], b.journal.vector()[b.journal.nodeId], 'and B');
  t.ok((await verifyJournal(c.journal, createRegistry())).ok, 'every feed verifies, seals included');
});

t.test('with trustedOriginsOnly, a relayed feed of an untrusted origin is refused', async (t) => {
  const a = await testNode();
  const b = await testNode();
  const c = await testNode();
  await appendReadings(a, 50);
  await importInto(b, await exportFor(a, {}), [a]);
  const fromB = await exportFor(b, {});
  await rejects(t, importInto(c, fromB, [b], { trustedOriginsOnly: true }), ErrorCodes.UNTRUSTED_NODE, c, {});
  t.equal((await importInto(c, fromB, [b, a], { trustedOriginsOnly: true })).code, undefined, 'accepted once the origin is trusted too');
});

t.test('a segment that starts past our head is held, and applies once the gap is filled', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 1000);
  const first = await exportFor(a, {});
  const v1 = a.journal.vector();
  await appendReadings(a, 1000);
  const second = await exportFor(a, v1);
  const held = await importInto(b, second, [a]);
  t.equal(held.code, ErrorCodes.SEGMENT_GAP, 'held');
  t.equal(held.applied, 0);
  t.match(held.held, [{ origin: a.journal.nodeId, have: 0 }]);
  t.same(b.journal.vector(), {}, 'nothing applied');
  t.equal((await importInto(b, first, [a])).applied, v1[a.journal.nodeId]);
  t.equal((await importInto(b, second, [a])).code, undefined, 'the held segment applies after the gap is filled');
  t.same(b.journal.vector(), a.journal.vector());
});

t.test('a segment of a forked feed, or of our own feed past our head, is refused', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 100);
  await importInto(b, await exportFor(a, {}), [a]);
  const before = b.journal.vector();
  // The same origin, a different history: re-sign nothing, just alter an event b already holds.
  const head = a.journal.vector()[a.journal.nodeId]!;
  await appendReadings(a, 10);
  await a.journal.seal();
  const forked = await craft(a, a, { ranges: [{ origin: a.journal.nodeId, from: 1, to: a.journal.vector()[a.journal.nodeId]! }] }, (_o, seq, body) => (seq === 3 ? alterDigit(body) : body));
  t.ok(head > 3);
  await rejects(t, importInto(b, forked, [a]), ErrorCodes.SEGMENT_CONFLICT, b, before);
  const own = await craft(b, a, { ranges: [{ origin: b.journal.nodeId, from: 1, to: 1 }] }).catch(() => undefined);
  t.equal(own, undefined, 'b has no own events to forge here');
});

t.test('an event of a known type with invalid data is refused, and nothing of the segment applies', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 20);
  await a.journal.append([{ type: 'reading.sampled', data: { values: { x: 'warm' } } }]);
  await appendReadings(a, 20);
  await rejects(t, importInto(b, await exportFor(a, {}), [a]), ErrorCodes.EVENT_INVALID, b, {});
});

t.test('an event of an unknown type whose data is not JSON is refused, and nothing of the segment applies', async (t) => {
  const a = await testNode();
  const b = await testNode();
  await appendReadings(a, 20);
  const [odd] = await a.journal.append([{ type: 'future.thing', v: 1, data: { a: 1 } }]);
  await appendReadings(a, 20);
  await a.journal.seal();
  const to = a.journal.vector()[a.journal.nodeId]!;
  const seg = await craft(a, a, { ranges: [{ origin: a.journal.nodeId, from: 1, to }] }, (_origin, seq, body) => {
    if (seq !== odd!.event.seq) return body;
    const out = Buffer.from(body);
    out[out.length - 1] = 0x78; // '{"a":1}' → '{"a":1x'
    return out;
  });
  await rejects(t, importInto(b, seg, [a]), ErrorCodes.EVENT_INVALID, b, {});
});

t.test('a segment capped below the seal interval still moves: the cap runs on to the next seal', async (t) => {
  const a = await testNode(1000);
  const b = await testNode();
  await appendReadings(a, 3000);
  let rounds = 0;
  while (JSON.stringify(b.journal.vector()) !== JSON.stringify(a.journal.vector()) && rounds < 10) {
    rounds++;
    await importInto(b, await exportFor(a, b.journal.vector(), { maxEvents: 1000 }), [a]);
  }
  t.same(b.journal.vector(), a.journal.vector());
  t.equal(rounds, 3, 'three segments of one seal interval each');
});
