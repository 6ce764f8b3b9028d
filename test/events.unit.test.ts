import t from 'tap';
import { z } from 'zod';
import { EventRegistry } from '../core/events/registry.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ReadingSampled } from '../core/events/core-events.js';
import { isReadingSampled, isReadingSampledJson } from '../core/events/reading-checks.js';
import { decodeBody, decodeBodyHeader, encodeBody, hashBody } from '../core/events/codec.js';
import { GENESIS_PREV, type SmolEvent } from '../core/events/event.js';
import { isNodeId, nodeIdFromPublicKey, generateIdentity, signMessage, verifyMessage } from '../core/identity/node-identity.js';

const event = (type: string, v: number, data: unknown): SmolEvent => ({ id: 'n:1', origin: 'n', seq: 1, hlc: '0000000000010000', type, v, data, prev: GENESIS_PREV });

t.test('the registry validates known types and names the failing path', async (t) => {
  const registry = createRegistry();
  t.equal(registry.validate('reading.sampled', 1, { values: { 'system.load_1': 0.5 } }), true);
  t.throws(() => registry.validate('reading.sampled', 1, { values: { 'system.load_1': 'high' } }), { code: 'SMOL_EVENT_INVALID', message: /values\.system\.load_1/ });
  t.throws(() => registry.validate('reading.sampled', 1, { values: { x: Number.NaN } }), { code: 'SMOL_EVENT_INVALID' });
  t.equal(registry.validate('weather.forecast', 1, { anything: true }), false, 'an unknown type from a newer peer is kept, not validated');
  t.equal(registry.validate('reading.sampled', 7, {}), false, 'a newer version of a known type is kept too');
});

t.test('the hand-written reading.sampled check never accepts what its schema refuses', async (t) => {
  const inputs: unknown[] = [
    { values: { 'system.load_1': 0.5, 'system.cpu_temp': 51.2 } },
    { values: {} },
    { values: { a: 1 }, extra: true },
    JSON.parse('{"values":{"__proto__":1,"a":2}}'),
    { values: { '': 1 } },
    { values: { a: 'high' } },
    { values: { a: Number.NaN } },
    { values: { a: Infinity } },
    { values: { a: null } },
    { values: [1, 2] },
    { values: null },
    { values: { [Symbol('s')]: 1 } },
    { values: new Map([['a', 1]]) },
    Object.assign(Object.create(null), { values: { a: 1 } }),
    [],
    null,
    'values',
    {},
  ];
  for (const data of inputs) {
    if (isReadingSampled(data)) t.ok(ReadingSampled.safeParse(data).success, `the schema accepts ${String(JSON.stringify(data))} too`);
  }
  t.ok(isReadingSampled({ values: { 'system.load_1': 0.5 } }), 'the common case takes the fast path');
  t.notOk(isReadingSampled({ values: { a: 'high' } }));
});

t.test('the in-place check of reading.sampled JSON never passes text that JSON.parse and the schema would not', async (t) => {
  const schemaAccepts = (text: string): boolean => {
    try {
      return ReadingSampled.safeParse(JSON.parse(text)).success;
    } catch {
      return false;
    }
  };
  const typical = JSON.stringify({ values: { 'system.cpu_temp': 51.25, 'system.load_1': 0, 'system.mem_available': 2210, 'gpio.door': -1, x: -0.000125 } });
  const texts = [
    typical,
    '{"values":{}}',
    '{"values":{"a":1e400}}',
    '{"values":{"a":1e5}}',
    '{"values":{"":1}}',
    '{"values":{"a":01}}',
    '{"values":{"a":1.}}',
    '{"values":{"a":-}}',
    '{"values":{"a":"1"}}',
    '{"values":{"a":1} }',
    '{"values":{"a":1}}x',
    '{"values":{"a\\u0062":1}}',
    '{"values":{"a":1,}}',
    '{"values":{"a":1},"more":2}',
    '{"values":{"é":1}}',
    `{"values":{"a":${'9'.repeat(310)}}}`,
  ];
  for (const text of texts) {
    if (isReadingSampledJson(Buffer.from(text), 0)) t.ok(schemaAccepts(text), `accepted only as the schema would: ${text.slice(0, 60)}`);
  }
  t.ok(isReadingSampledJson(Buffer.from(typical), 0), 'what JSON.stringify writes takes the fast path');
  t.ok(isReadingSampledJson(Buffer.from(`xyz${typical}`), 3), 'from an offset');
  // Random edits of a valid text: whatever the check passes, the schema passes too.
  let seed = 7;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = '{}[]":,.-+eE0123456789 abc\\\u0001é';
  let passed = 0;
  for (let i = 0; i < 20_000; i++) {
    const chars = [...typical];
    for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
      const at = Math.floor(next() * chars.length);
      const c = alphabet[Math.floor(next() * alphabet.length)]!;
      const op = next();
      if (op < 0.4) chars[at] = c;
      else if (op < 0.7) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    const text = chars.join('');
    if (!isReadingSampledJson(Buffer.from(text), 0)) continue;
    passed++;
    if (!schemaAccepts(text)) t.fail(`the check passed what the schema refuses: ${text}`);
  }
  t.ok(passed > 100, `some edits stay valid and pass (${passed})`);
});

t.test('events of old versions are upcast on read; the stored data is untouched', async (t) => {
  const registry = new EventRegistry()
    .register({ type: 'thing.seen', v: 1, schema: z.object({ name: z.string() }), upcast: (d) => ({ label: (d as { name: string }).name }) })
    .register({ type: 'thing.seen', v: 2, schema: z.object({ label: z.string() }), upcast: (d) => ({ ...(d as object), tags: [] }) })
    .register({ type: 'thing.seen', v: 3, schema: z.object({ label: z.string(), tags: z.array(z.string()) }) });
  const old = event('thing.seen', 1, { name: 'fox' });
  const lifted = registry.upcast(old);
  t.same([lifted.v, lifted.data], [3, { label: 'fox', tags: [] }]);
  t.same(old.data, { name: 'fox' }, 'the original event is not modified');
  t.equal(registry.upcast(event('other', 1, {})).v, 1, 'unknown types pass through');
  t.throws(() => registry.register({ type: 'thing.seen', v: 2, schema: z.object({}) }), TypeError);
  t.throws(() => registry.validate('thing.seen', 0, {}), { code: 'SMOL_EVENT_UNKNOWN_TYPE' });
});

t.test('an event body round-trips and its hash covers every field', async (t) => {
  const body = encodeBody(300, '019aa5c1f2a3000f', 'reading.sampled', 2, 'ab'.repeat(32), JSON.stringify({ values: { a: 1.5 } }));
  const decoded = decodeBody('norigin', body);
  t.same(decoded, { id: 'norigin:300', origin: 'norigin', seq: 300, hlc: '019aa5c1f2a3000f', type: 'reading.sampled', v: 2, data: { values: { a: 1.5 } }, prev: 'ab'.repeat(32) });
  t.equal(decodeBodyHeader(body).type, 'reading.sampled');
  const h = hashBody('norigin', body);
  t.not(hashBody('nother', body), h, 'the origin is part of the hash');
  for (let i = 0; i < body.length; i += 7) {
    const flipped = Buffer.from(body);
    flipped[i]! ^= 0x01;
    t.not(hashBody('norigin', flipped), h, `flipping byte ${i} changes the hash`);
  }
  t.throws(() => decodeBody('n', body.subarray(0, 12)), { code: 'SMOL_JOURNAL_CORRUPT' });
  t.throws(() => decodeBody('n', Buffer.concat([body.subarray(0, body.length - 3)])), { code: 'SMOL_JOURNAL_CORRUPT' });
});

t.test('node ids are derived from the public key and signatures verify only with it', async (t) => {
  const { identity } = generateIdentity();
  const other = generateIdentity().identity;
  t.ok(isNodeId(identity.nodeId));
  t.equal(nodeIdFromPublicKey(identity.publicKey), identity.nodeId);
  t.not(identity.nodeId, other.nodeId);
  const sig = signMessage(identity, 'hello');
  t.ok(verifyMessage(identity.publicKey, 'hello', sig));
  t.notOk(verifyMessage(identity.publicKey, 'hellO', sig));
  t.notOk(verifyMessage(other.publicKey, 'hello', sig));
  t.notOk(verifyMessage('not-a-key', 'hello', sig));
});
