import t, { type Test } from 'tap';
import { createGpio } from '../adapters/sensors/gpio.js';
import { listToolCalls, type ToolCallsState } from '../projections/tool-calls.js';
import type { EventDataMap } from '../core/events/core-events.js';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';

const ctx = () => ({ caller: { kind: 'api' as const }, registers: new Map<string, unknown>() });

async function world(t: Test) {
  const w = await fakeOllamaWorld(t, { now: T0 - 10 * MIN });
  await w.register([{ source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }]);
  for (let m = 0; m < 10; m++) await w.reading(T0 - 10 * MIN + m * MIN, { 'system.cpu_temp': 40 + m });
  w.setNow(T0);
  const s = await w.services({}, await gpioFor(w));
  return { w, s };
}

async function gpioFor(w: Awaited<ReturnType<typeof fakeOllamaWorld>>) {
  const gpio = await createGpio({ pins: [{ name: 'button', pin: 11, direction: 'input', pull: 'up' }, { name: 'led', pin: 12, direction: 'output', pull: 'off' }], mode: 'simulated', seed: 1 });
  return {
    gpio,
    writeGpio: async (pin: string, value: 0 | 1) => {
      await gpio.write(pin, value);
      await w.journal.appendOne('gpio.written', { pin, value, simulated: true });
    },
  };
}

async function events<T extends keyof EventDataMap>(w: { journal: { read(o: { types: string[] }): AsyncIterable<{ event: { data: unknown } }> } }, type: T) {
  const out: EventDataMap[T][] = [];
  for await (const e of w.journal.read({ types: [type] })) out.push(e.event.data as EventDataMap[T]);
  return out;
}

t.test('tools describe their parameters to the model as JSON Schema', async (t) => {
  const { s } = await world(t);
  const specs = s.tools.specs();
  t.same(s.tools.names().sort(), [
    'cross_node_recall', 'forget', 'get_reading_history', 'gpio_list', 'gpio_read', 'gpio_write', 'list_sources', 'math', 'observe', 'read_source',
    'recall', 'recent_detections', 'register_get', 'register_list', 'register_set', 'remember', 'run_code', 'storage_delete', 'storage_get', 'storage_list', 'storage_put',
  ]);
  const read = specs.find((x) => x.name === 'read_source')!;
  t.same(read.parameters, {
    type: 'object', additionalProperties: false, required: ['source'],
    properties: { source: { type: 'string', minLength: 1, description: 'source id, e.g. system.cpu_temp' }, node: { type: 'string', description: 'node id or name (default: this node)' } },
  });
  const hist = specs.find((x) => x.name === 'get_reading_history')!;
  t.notOk((hist.parameters['required'] as string[]).includes('minutes'), 'a parameter with a default is optional to the model');
});

t.test('every call is journaled with arguments, caller, result and duration, and listed in the audit log', async (t) => {
  const { w, s } = await world(t);
  const out = await s.tools.call('read_source', { source: 'system.cpu_temp' }, ctx());
  t.ok(out.ok);
  t.match(out.ok && out.result, { source: 'system.cpu_temp', value: 49, unit: '°C', label: 'CPU temperature' });
  const [called] = await events(w, 'tool.called');
  const [completed] = await events(w, 'tool.completed');
  t.same(called, { callId: out.callId, tool: 'read_source', args: { source: 'system.cpu_temp' }, caller: { kind: 'api' } });
  t.equal(completed!.ok, true);
  t.equal(completed!.callId, out.callId);
  t.ok(completed!.durationMs >= 0);
  await w.settle();
  const runner = w.views.runner<ToolCallsState>('tool-calls');
  await runner.flush();
  const [row] = await listToolCalls(runner.state, runner.store);
  t.match(row, { tool: 'read_source', status: 'ok', caller: { kind: 'api' } });
});

t.test('an unknown tool, invalid arguments and a failing tool come back as coded errors, journaled too', async (t) => {
  const { w, s } = await world(t);
  const unknown = await s.tools.call('launch_rocket', {}, ctx());
  t.match(unknown, { ok: false, error: { code: 'SMOL_TOOL_UNKNOWN' } });
  const invalid = await s.tools.call('read_source', { source: 42 }, ctx());
  t.match(invalid, { ok: false, error: { code: 'SMOL_TOOL_ARGS_INVALID', message: /source: .*string/ } });
  const extra = await s.tools.call('math', { expression: '1+1', bogus: true }, ctx());
  t.match(extra, { ok: false, error: { code: 'SMOL_TOOL_ARGS_INVALID' } });
  const missing = await s.tools.call('read_source', { source: 'system.nope' }, ctx());
  t.match(missing, { ok: false, error: { code: 'SMOL_NOT_FOUND', message: /known: system\.cpu_temp/ } });
  const completed = await events(w, 'tool.completed');
  t.same(completed.map((c) => c.error?.code), ['SMOL_TOOL_UNKNOWN', 'SMOL_TOOL_ARGS_INVALID', 'SMOL_TOOL_ARGS_INVALID', 'SMOL_NOT_FOUND']);
});

t.test('list_sources and get_reading_history read the sensors projection', async (t) => {
  const { s } = await world(t);
  const list = await s.tools.call('list_sources', {}, ctx());
  t.match(list.ok && list.result, { sources: [{ source: 'system.cpu_temp', value: 49 }] });
  const hist = await s.tools.call('get_reading_history', { source: 'system.cpu_temp', minutes: 15 }, ctx());
  t.match(hist.ok && hist.result, { resolution: 'minute', min: 40, max: 49, mean: 44.5, count: 10 });
  const long = await s.tools.call('get_reading_history', { source: 'system.cpu_temp', minutes: 24 * 60 }, ctx());
  t.match(long.ok && long.result, { resolution: 'hour', min: 40, max: 49, count: 10 }, 'long windows read hourly rollups');
});

t.test('math evaluates with units, and numeric registers are in scope', async (t) => {
  const { s } = await world(t);
  const c = ctx();
  t.match(await s.tools.call('math', { expression: '12 degC to degF' }, c), { ok: true, result: { result: '53.6 degF', value: 53.6, unit: 'degF' } });
  t.match(await s.tools.call('register_set', { name: 'watts', value: 60 }, c), { ok: true });
  t.match(await s.tools.call('math', { expression: 'watts W * 24 h to kWh' }, c), { ok: true, result: { result: '1.44 kWh' } });
  t.match(await s.tools.call('register_list', {}, c), { ok: true, result: { registers: { watts: 60 } } });
  t.match(await s.tools.call('register_get', { name: 'nope' }, c), { ok: false, error: { code: 'SMOL_NOT_FOUND' } });
  t.match(await s.tools.call('register_get', { name: 'watts' }, ctx()), { ok: false }, 'registers belong to one conversation');
  t.match(await s.tools.call('math', { expression: 'import({}, {})' }, c), { ok: false, error: { code: 'SMOL_TOOL_FAILED' } });
});

t.test('storage keeps values as events and reads them back', async (t) => {
  const { w, s } = await world(t);
  t.match(await s.tools.call('storage_put', { key: 'plant/water', value: { every: '3d', last: '2025-01-14' } }, ctx()), { ok: true });
  t.match(await s.tools.call('storage_get', { key: 'plant/water' }, ctx()), { ok: true, result: { value: { every: '3d' } } });
  await s.tools.call('storage_put', { key: 'plant/light', value: 'south' }, ctx());
  t.match(await s.tools.call('storage_list', { prefix: 'plant/' }, ctx()), { ok: true, result: { keys: ['plant/light', 'plant/water'] } });
  t.match(await s.tools.call('storage_delete', { key: 'plant/water' }, ctx()), { ok: true });
  t.match(await s.tools.call('storage_get', { key: 'plant/water' }, ctx()), { ok: false, error: { code: 'SMOL_NOT_FOUND' } });
  t.match(await s.tools.call('storage_delete', { key: 'plant/water' }, ctx()), { ok: false, error: { code: 'SMOL_NOT_FOUND' } });
  t.same((await events(w, 'storage.written')).map((e) => e.key), ['plant/water', 'plant/light']);
  t.same((await events(w, 'storage.deleted')).map((e) => e.key), ['plant/water']);
});

t.test('gpio_write writes outputs only, and the write is journaled', async (t) => {
  const { w, s } = await world(t);
  t.match(await s.tools.call('gpio_write', { pin: 'led', value: 1 }, ctx()), { ok: true, result: { pin: 'led', value: 1 } });
  t.match(await s.tools.call('gpio_read', { pin: 'led' }, ctx()), { ok: true, result: { value: 1 } });
  t.match(await s.tools.call('gpio_write', { pin: 'button', value: 1 }, ctx()), { ok: false, error: { code: 'SMOL_GPIO_NOT_OUTPUT' } });
  t.match(await s.tools.call('gpio_write', { pin: 'nope', value: 1 }, ctx()), { ok: false, error: { code: 'SMOL_GPIO_PIN_UNKNOWN' } });
  t.match(await s.tools.call('gpio_write', { pin: 'led', value: 2 }, ctx()), { ok: false, error: { code: 'SMOL_TOOL_ARGS_INVALID' } });
  t.same(await events(w, 'gpio.written'), [{ pin: 'led', value: 1, simulated: true }]);
  t.match(await s.tools.call('gpio_list', {}, ctx()), { ok: true, result: { pins: [{ name: 'button' }, { name: 'led', value: 1 }] } });
});

t.test('run_code runs in the sandbox; its failures are coded', async (t) => {
  const { s } = await world(t);
  t.match(await s.tools.call('run_code', { code: 'console.log("hi"); [1,2,3].map(x => x * 2)' }, ctx()), { ok: true, result: { value: [2, 4, 6], console: ['hi'] } });
  t.match(await s.tools.call('run_code', { code: 'while(true){}' }, ctx()), { ok: false, error: { code: 'SMOL_SANDBOX_TIMEOUT' } });
});

t.test('a large result is journaled as a preview', async (t) => {
  const { w, s } = await world(t);
  const out = await s.tools.call('run_code', { code: '"x".repeat(20000)' }, ctx());
  t.equal(out.ok && (out.result as { value: string }).value.length, 20000, 'the caller gets all of it');
  const [c] = await events(w, 'tool.completed');
  t.match(c!.result, { truncated: true, chars: Number });
});
