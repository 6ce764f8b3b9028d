import t from 'tap';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';

// A source the node registered but never read (no thermal zone on this machine) exists: the model
// must hear that, not "no source", which sends it looking for another name.
const ctx = () => ({ caller: { kind: 'api' as const }, registers: new Map<string, unknown>() });

t.test('read_source on a registered source without a reading is SMOL_SENSOR_NO_READING, an unknown one SMOL_NOT_FOUND', async (t) => {
  const w = await fakeOllamaWorld(t, { now: T0 - 5 * MIN });
  await w.register([
    { source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' },
    { source: 'system.load_1m', label: 'Load average (1 min)' },
  ]);
  await w.reading(T0 - MIN, { 'system.load_1m': 0.4 });
  w.setNow(T0);
  const s = await w.services();

  const missing = await s.tools.call('read_source', { source: 'system.cpu_temp' }, ctx());
  t.equal(missing.ok, false);
  t.equal(!missing.ok && missing.error.code, 'SMOL_SENSOR_NO_READING');

  const unknown = await s.tools.call('read_source', { source: 'system.gpu_temp' }, ctx());
  t.equal(!unknown.ok && unknown.error.code, 'SMOL_NOT_FOUND');

  const read = await s.tools.call('read_source', { source: 'system.load_1m' }, ctx());
  t.match(read.ok && read.result, { source: 'system.load_1m', value: 0.4 });
});

t.test('the model is told the code of a registered source without a reading', async (t) => {
  const w = await fakeOllamaWorld(t, { now: T0 });
  await w.register([{ source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }]);
  const s = await w.services();
  w.fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] }, { content: 'No reading yet.' });
  await s.agent.ask('How warm is the CPU?', { via: 'api' });
  const toolMessage = w.fake.chatRequests()[1]!.messages.at(-1)!;
  t.equal(toolMessage.role, 'tool');
  t.match(JSON.parse(toolMessage.content), { error: { code: 'SMOL_SENSOR_NO_READING' } });
});
