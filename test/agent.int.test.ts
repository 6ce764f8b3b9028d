import t, { type Test } from 'tap';
import type { EventDataMap } from '../core/events/core-events.js';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';

async function world(t: Test, config: Record<string, unknown> = {}) {
  const w = await fakeOllamaWorld(t, { now: T0 - 5 * MIN });
  await w.register([{ source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }]);
  await w.reading(T0 - MIN, { 'system.cpu_temp': 48.2 });
  w.setNow(T0);
  const s = await w.services(config);
  return { w, s };
}

async function types(w: Awaited<ReturnType<typeof world>>['w']) {
  const out: string[] = [];
  for await (const e of w.journal.read({ types: ['agent.asked', 'agent.answered', 'tool.called', 'tool.completed'] })) out.push(e.event.type);
  return out;
}

t.test('a question is answered from the node\'s own tools, and every step is an event', async (t) => {
  const { w, s } = await world(t);
  w.fake.script(
    { toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] },
    (req) => {
      const tool = req.messages.at(-1)!;
      t.equal(tool.role, 'tool');
      t.equal(tool.tool_name, 'read_source');
      const value = (JSON.parse(tool.content) as { value: number }).value;
      return { content: `The CPU is at ${value} °C.` };
    },
  );
  const res = await s.agent.ask('How warm is the CPU?', { via: 'cli' });
  t.equal(res.answer, 'The CPU is at 48.2 °C.');
  t.equal(res.iterations, 2);
  t.equal(res.toolCalls, 1);
  t.equal(res.finishReason, 'stop');
  t.same(res.usage, { promptTokens: 40, completionTokens: 20 });
  t.same(await types(w), ['agent.asked', 'tool.called', 'tool.completed', 'agent.answered']);
  const first = w.fake.chatRequests()[0]!;
  t.equal(first.messages[0]!.role, 'system');
  t.match(first.messages[0]!.content, /sensor node "kitchen"/);
  t.equal(first.messages[1]!.content, 'How warm is the CPU?');
  t.ok(first.tools!.some((x) => x.function.name === 'read_source'), 'the tools are offered');
  let answered: EventDataMap['agent.answered'] | undefined;
  let called: EventDataMap['tool.called'] | undefined;
  for await (const e of w.journal.read({ types: ['agent.answered', 'tool.called'] })) {
    if (e.event.type === 'agent.answered') answered = e.event.data as EventDataMap['agent.answered'];
    else called = e.event.data as EventDataMap['tool.called'];
  }
  t.match(answered, { conversationId: res.conversationId, answer: res.answer, iterations: 2, toolCalls: 1 });
  t.same(called!.caller, { kind: 'agent', via: 'cli', conversationId: res.conversationId }, 'the tool call says who asked');
});

t.test('invalid tool arguments go back to the model as an error, and it can correct itself', async (t) => {
  const { w, s } = await world(t);
  w.fake.script(
    { toolCalls: [{ name: 'read_source', arguments: { sensor: 'cpu' } }] },
    (req) => {
      const err = JSON.parse(req.messages.at(-1)!.content) as { error: { code: string; message: string } };
      t.equal(err.error.code, 'SMOL_TOOL_ARGS_INVALID');
      t.match(err.error.message, /source/);
      return { toolCalls: [{ name: 'read_source', arguments: '{"source":"system.cpu_temp"}' }] };
    },
    { content: 'CPU: 48.2 °C' },
  );
  const res = await s.agent.ask('cpu?', { via: 'api' });
  t.equal(res.answer, 'CPU: 48.2 °C');
  t.equal(res.toolCalls, 2);
});

t.test('an unknown tool or unparseable arguments are errors for the model, not crashes', async (t) => {
  const { w, s } = await world(t);
  w.fake.script(
    { toolCalls: [{ name: 'open_pod_bay_doors', arguments: {} }, { name: 'math', arguments: '{"expression": ' }] },
    (req) => {
      const [a, b] = req.messages.slice(-2).map((m) => JSON.parse(m.content) as { error: { code: string } });
      t.equal(a!.error.code, 'SMOL_TOOL_UNKNOWN');
      t.equal(b!.error.code, 'SMOL_TOOL_ARGS_INVALID');
      return { content: 'I cannot do that.' };
    },
  );
  t.equal((await s.agent.ask('open the doors', { via: 'cli' })).answer, 'I cannot do that.');
});

t.test('after N iterations the model must answer without tools', async (t) => {
  const { w, s } = await world(t, { agent: { maxIterations: 3 } });
  const loop = { toolCalls: [{ name: 'list_sources', arguments: {} }] };
  w.fake.script(loop, loop, (req) => {
    t.notOk(req.tools, 'no tools on the last turn');
    return { content: 'Here is what I found.' };
  });
  const res = await s.agent.ask('loop', { via: 'cli' });
  t.equal(res.iterations, 3);
  t.equal(res.toolCalls, 2);
  t.equal(res.answer, 'Here is what I found.');
});

t.test('an unreachable model is an error, and the failed answer is journaled', async (t) => {
  const { w, s } = await world(t);
  await w.fake.close();
  await t.rejects(s.agent.ask('hello?', { via: 'cli' }), { code: 'SMOL_LLM_UNREACHABLE' });
  let answered: EventDataMap['agent.answered'] | undefined;
  for await (const e of w.journal.read({ types: ['agent.answered'] })) answered = e.event.data as EventDataMap['agent.answered'];
  t.match(answered, { answer: '', error: { code: 'SMOL_LLM_UNREACHABLE' } });
});

t.test('streaming forwards the answer as it arrives', async (t) => {
  const { w, s } = await world(t);
  w.fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] }, { content: 'It is 48.2 °C right now.', chunkSize: 3 });
  const deltas: string[] = [];
  const res = await s.agent.ask('temp?', { via: 'api', onDelta: (d) => deltas.push(d) });
  t.ok(deltas.length > 3);
  t.equal(deltas.join(''), 'It is 48.2 °C right now.');
  t.equal(res.answer, 'It is 48.2 °C right now.');
  t.ok(w.fake.chatRequests().every((r) => r.stream === true));
});

t.test("a call to the client's own tool ends the loop and is handed back", async (t) => {
  const { w, s } = await world(t);
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await s.agent.ask('weather in Oslo?', {
    via: 'api',
    clientTools: [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  });
  t.equal(res.finishReason, 'tool_calls');
  t.same(res.clientToolCalls.map((c) => [c.name, c.arguments]), [['get_weather', { city: 'Oslo' }]]);
  t.equal(res.toolCalls, 0, 'no node tool ran');
  const offered = w.fake.chatRequests()[0]!.tools!.map((x) => x.function.name);
  t.ok(offered.includes('get_weather') && offered.includes('read_source'));
});

t.test('the model can remember, and remembering the same again confirms it', async (t) => {
  const { w, s } = await world(t);
  w.fake.script(
    { toolCalls: [{ name: 'remember', arguments: { text: 'The plant on the windowsill needs water every three days.' } }] },
    { content: 'Noted.' },
    { toolCalls: [{ name: 'remember', arguments: { text: 'the plant on the windowsill needs water every three days' } }] },
    (req) => {
      t.match(JSON.parse(req.messages.at(-1)!.content), { action: 'confirmed' });
      return { content: 'I knew that.' };
    },
  );
  await s.agent.ask('remember: water the plant every 3 days', { via: 'cli' });
  await s.agent.ask('again: water the plant every 3 days', { via: 'cli' });
  const kinds: string[] = [];
  for await (const e of w.journal.read({ types: ['memory.remembered', 'memory.confirmed'] })) kinds.push(e.event.type);
  t.same(kinds, ['memory.remembered', 'memory.confirmed']);
});
