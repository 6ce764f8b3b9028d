import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { createOutputs } from '../adapters/devices/outputs/outputs.js';
import { outputsSection } from '../adapters/config/sections/outputs.js';
import { FakeI2cBus, FakeLcd } from './helpers/fake-i2c-chips.js';
import { httpNode } from './helpers/http-node.js';

const LAN = '192.168.1.20';

t.test('outputs over HTTP: listed with the read token, driven only with the admin token, journaled, bad bodies refused', async (t) => {
  const bus = new FakeI2cBus();
  const lcd = new FakeLcd();
  bus.chips.set(0x27, lcd);
  const n = await httpNode(t, async (node) => {
    const port = createOutputs(outputsSection.parse([{ name: 'screen', platform: 'lcd' }, { name: 'lamp', platform: 'gpio', pin: 'led' }]), {
      journal: node.journal,
      gpio: node.gpio,
      sysRoot: '/nonexistent',
      i2cBus: async () => bus,
      delay: async () => undefined,
      assertWritable: () => undefined,
    });
    return { outputs: () => port };
  });
  const read = { authorization: `Bearer ${n.tokens.read}` };
  const admin = { authorization: `Bearer ${n.tokens.admin}` };
  const list = await n.app.inject({ url: '/api/outputs', headers: read, remoteAddress: LAN });
  t.equal(list.statusCode, 200);
  t.same(list.json().outputs.map((o: { name: string; kind: string }) => [o.name, o.kind]), [['screen', 'text'], ['lamp', 'switch']]);
  t.equal((await n.app.inject({ url: '/api/outputs', remoteAddress: LAN })).statusCode, 401, 'no token: nothing listed');

  const refused = await n.app.inject({ method: 'POST', url: '/api/outputs/screen', headers: read, remoteAddress: LAN, payload: { value: 'hi' } });
  t.equal(refused.statusCode, 403, 'the read token cannot drive');
  const noToken = await n.app.inject({ method: 'POST', url: '/api/outputs/screen', remoteAddress: LAN, payload: { value: 'x'.repeat(100) } });
  t.equal(noToken.statusCode, 401, 'a body without a token is refused unread');

  const ok = await n.app.inject({ method: 'POST', url: '/api/outputs/screen', headers: admin, remoteAddress: LAN, payload: { value: 'Hello' } });
  t.equal(ok.statusCode, 200, ok.body);
  t.match(ok.json(), { output: { name: 'screen', value: 'Hello' } });
  t.equal(lcd.row(0).trim(), 'Hello');

  const unknown = await n.app.inject({ method: 'POST', url: '/api/outputs/heater', headers: admin, remoteAddress: LAN, payload: { value: 1 } });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, ErrorCodes.OUTPUT_UNKNOWN);
  const bad = await n.app.inject({ method: 'POST', url: '/api/outputs/lamp', headers: admin, remoteAddress: LAN, payload: { value: 7 } });
  t.equal(bad.statusCode, 403);
  t.equal(bad.json().error.code, ErrorCodes.OUTPUT_NOT_ALLOWED);
  const garbage = await n.app.inject({ method: 'POST', url: '/api/outputs/lamp', headers: { ...admin, 'content-type': 'application/json' }, remoteAddress: LAN, payload: '{"value":' });
  t.equal(garbage.statusCode, 400);
  t.notMatch(garbage.body, /at .*\.ts/, 'no stack trace');
  const huge = await n.app.inject({ method: 'POST', url: '/api/outputs/screen', headers: admin, remoteAddress: LAN, payload: { value: 'x'.repeat(10_000) } });
  t.equal(huge.statusCode, 413);
  const written = [];
  for await (const e of n.journal.read({ types: ['output.written'] })) written.push(e.event.data);
  t.same(written, [{ output: 'screen', kind: 'text', platform: 'lcd', value: 'Hello', simulated: false }], 'only the good write is journaled');
});
