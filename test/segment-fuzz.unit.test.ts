import t from 'tap';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { writeSegment } from '../core/sync/segment-writer.js';
import { prevOffset } from '../core/sync/records.js';
import type { SegmentHeader } from '../core/sync/segment-format.js';
import { CLUSTER, appendReadings, exportFor, importInto, testNode } from './helpers/segment-fixtures.js';
import { prng } from './helpers/prng.js';

const EXPECTED = new Set<string>([
  ErrorCodes.SEGMENT_FORMAT,
  ErrorCodes.SEGMENT_TRUNCATED,
  ErrorCodes.SEGMENT_CHECKSUM,
  ErrorCodes.SEGMENT_SIGNATURE,
  ErrorCodes.SEGMENT_FOREIGN_CLUSTER,
  ErrorCodes.UNTRUSTED_NODE,
]);

t.test('random byte flips, truncations and splices of valid segments never apply partially and never crash', async (t) => {
  const seed = Number(process.env['SMOL_FUZZ_SEED'] ?? 20260101);
  const rand = prng(seed);
  const a = await testNode(300);
  const relay = await testNode(300);
  await appendReadings(a, 1500);
  await importInto(relay, await exportFor(a, {}), [a]);
  await appendReadings(relay, 700);
  // Two origins, several small frames: flips land in headers, frame headers, records and trailer.
  const valid = await exportFor(relay, {}, { frameBytes: 2048, compression: 'gzip' });
  const validBrotli = await exportFor(relay, {}, { frameBytes: 4096 });
  const b = await testNode();
  const before = b.journal.vector();
  const codes = new Map<string, number>();
  let cases = 0;

  const attempt = async (bytes: Buffer, label: string, twoPass: boolean) => {
    cases++;
    let code: string;
    try {
      const outcome = await importInto(b, bytes, [relay], twoPass ? { bufferEvents: 0, batchEvents: 100 } : {});
      // Only a change that leaves the segment intact may pass; then it must have applied everything.
      t.fail(`${label}: an altered segment was accepted (${outcome.applied} applied)`, { seed });
      return;
    } catch (err) {
      if (!isSmolError(err)) {
        t.fail(`${label}: crashed with ${(err as Error)?.stack ?? String(err)}`, { seed });
        return;
      }
      code = err.code;
    }
    if (!EXPECTED.has(code)) t.fail(`${label}: unexpected code ${code}`, { seed });
    codes.set(code, (codes.get(code) ?? 0) + 1);
    const now = b.journal.vector();
    if (JSON.stringify(now) !== JSON.stringify(before)) t.fail(`${label}: the journal changed (${JSON.stringify(now)})`, { seed });
  };

  for (const [name, seg] of [['gzip', valid], ['brotli', validBrotli]] as const) {
    for (let i = 0; i < 250; i++) {
      const bad = Buffer.from(seg);
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * bad.length);
        bad[at] = bad[at]! ^ (1 + Math.floor(rand() * 255));
      }
      await attempt(bad, `${name} flip #${i}`, i % 2 === 0);
    }
    for (let i = 0; i < 80; i++) {
      const cut = Math.floor(rand() * seg.length);
      await attempt(seg.subarray(0, cut), `${name} truncated at ${cut}`, i % 2 === 1);
    }
    for (let i = 0; i < 40; i++) {
      // A chunk of the file copied over another place (like a bad sector remap).
      const len = 1 + Math.floor(rand() * 64);
      const from = Math.floor(rand() * (seg.length - len));
      const to = Math.floor(rand() * (seg.length - len));
      if (from === to) continue;
      const bad = Buffer.from(seg);
      seg.copy(bad, to, from, from + len);
      if (bad.equals(seg)) continue;
      await attempt(bad, `${name} splice ${from}->${to}`, i % 2 === 0);
    }
    await attempt(Buffer.concat([seg, Buffer.from([0])]), `${name} with a trailing byte`, false);
  }
  t.ok(cases > 700, `${cases} altered segments, none applied (codes: ${JSON.stringify(Object.fromEntries(codes))})`);
  t.same(b.journal.vector(), before, 'nothing changed');
  const ok = await importInto(b, valid, [relay]);
  t.equal(ok.code, undefined, 'the intact segment still applies');
  t.same(b.journal.vector(), relay.journal.vector());
});

t.test('a trusted relay that alters any byte of another node’s events, and signs the result, is caught', async (t) => {
  const rand = prng(Number(process.env['SMOL_FUZZ_SEED'] ?? 7));
  const a = await testNode(200);
  const relay = await testNode();
  const c = await testNode();
  await appendReadings(a, 800);
  await a.journal.seal();
  const head = a.journal.vector()[a.journal.nodeId]!;
  const header: SegmentHeader = {
    format: 'smollama-segment',
    version: 1,
    cluster: CLUSTER,
    exporter: relay.journal.nodeId,
    publicKey: relay.journal.publicKey,
    created: '0000000000010000',
    compression: 'gzip',
    ranges: [{ origin: a.journal.nodeId, from: 1, to: head }],
    count: head,
    basis: {},
  };
  const codes = new Map<string, number>();
  for (let i = 0; i < 120; i++) {
    // Any event but the final seal, whose own envelope no signature covers (see docs/segment-format.md).
    const victim = 1 + Math.floor(rand() * (head - 1));
    const chunks: Buffer[] = [];
    const gen = writeSegment(
      header,
      async function* (r) {
        for await (const e of a.journal.readOrigin(r.origin, r.from, r.to)) {
          if (e.event.seq !== victim) yield e.body;
          else {
            const body = Buffer.from(e.body);
            // Not inside `prev`: the writer leaves it out (the reader recomputes it), so a change there is no change.
            const cut = prevOffset(body);
            let at = Math.floor(rand() * (body.length - 32));
            if (at >= cut) at += 32;
            body[at] = body[at]! ^ (1 + Math.floor(rand() * 255));
            yield body;
          }
        }
      },
      relay.sign,
    );
    let code = 'accepted';
    try {
      for await (const chunk of gen) chunks.push(chunk);
      await importInto(c, Buffer.concat(chunks), [relay]);
    } catch (err) {
      if (!isSmolError(err)) t.fail(`event ${victim}: crashed with ${(err as Error)?.stack ?? String(err)}`);
      code = isSmolError(err) ? err.code : 'crash';
    }
    if (code === 'accepted') t.fail(`event ${victim}: an altered feed was accepted`);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (Object.keys(c.journal.vector()).length !== 0) {
      t.fail('the journal changed');
      break;
    }
  }
  t.notOk(codes.has('accepted'), `120 altered feeds refused (codes: ${JSON.stringify(Object.fromEntries(codes))})`);
});
