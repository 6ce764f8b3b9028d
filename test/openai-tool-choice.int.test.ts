import t from 'tap';
import { openAiNode, weatherTool } from './helpers/openai-node.js';

// tool_choice with the official client against the scripted Ollama server, and the rule for a
// client tool that takes a node tool's name. What the model was offered is read from the requests
// the Ollama server recorded.
const ask = [{ role: 'user' as const, content: 'Weather in Oslo?' }];
const offered = (req: { tools?: Array<{ function: { name: string } }> } | undefined) => (req?.tools ?? []).map((x) => x.function.name).sort();

t.test('tool_choice "none": the model is offered no tools and the answer has no tool_calls', async (t) => {
  const { w, client } = await openAiNode(t);
  // A model that calls a tool anyway: the call is not run and not handed back.
  w.fake.script({ content: 'It rains in Oslo.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: 'none' });
  t.equal(res.choices[0]!.finish_reason, 'stop');
  t.notOk(res.choices[0]!.message.tool_calls, 'no tool_calls');
  t.equal(res.choices[0]!.message.content, 'It rains in Oslo.');
  const [req] = w.fake.chatRequests();
  t.same(offered(req), [], 'neither the node\'s tools nor the client\'s were offered');

  w.fake.script({ content: 'Streamed.', toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] });
  const stream = await client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: 'none', stream: true });
  const finishes: string[] = [];
  let calls = 0;
  for await (const c of stream) {
    calls += c.choices[0]?.delta.tool_calls?.length ?? 0;
    if (c.choices[0]?.finish_reason) finishes.push(c.choices[0].finish_reason);
  }
  t.same(finishes, ['stop']);
  t.equal(calls, 0);
  t.equal(w.fake.chatRequests().length, 2, 'the node ran no tool and asked the model once');
});

t.test('tool_choice "auto" is the default behaviour: the client\'s tool call comes back', async (t) => {
  const { w, client } = await openAiNode(t);
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: 'auto' });
  t.equal(res.choices[0]!.finish_reason, 'tool_calls');
  t.ok(offered(w.fake.chatRequests()[0]).includes('read_source'), 'node tools offered too');
});

t.test('tool_choice "required": the first turn must call a tool; an answer without one is SMOL_LLM_BAD_OUTPUT', async (t) => {
  const { w, client, events } = await openAiNode(t);
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: 'required' });
  t.equal(res.choices[0]!.finish_reason, 'tool_calls');
  t.match(res.choices[0]!.message.tool_calls, [{ function: { name: 'get_weather' } }]);
  const first = w.fake.chatRequests()[0]!;
  t.ok(offered(first).includes('get_weather') && offered(first).includes('read_source'), 'every tool is offered');
  t.match(first.messages[0]!.content, /calling one of the tools/, 'Ollama has no tool_choice: the system prompt asks for a call');

  w.fake.script({ content: 'I think it rains.' });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: 'required' }), { status: 502, code: 'SMOL_LLM_BAD_OUTPUT' });
  const answered = await events('agent.answered');
  t.match(answered.at(-1), { error: { code: 'SMOL_LLM_BAD_OUTPUT' } }, 'journaled as a failed answer');

  // A node tool satisfies it too; later turns are "auto".
  w.fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] }, { content: 'The CPU is at 48.2 °C.' });
  const node = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'CPU?' }], tool_choice: 'required' });
  t.equal(node.choices[0]!.message.content, 'The CPU is at 48.2 °C.');
  t.notMatch(w.fake.chatRequests().at(-1)!.messages[0]!.content, /calling one of the tools/, 'the second turn is not asked to call a tool');
});

t.test('tool_choice naming a function offers only that tool on the first turn', async (t) => {
  const { w, client } = await openAiNode(t);
  const other = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool, other], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  t.equal(res.choices[0]!.finish_reason, 'tool_calls');
  t.same(offered(w.fake.chatRequests()[0]), ['get_weather']);

  // A node tool by name: it runs, and the next turn has every tool again.
  w.fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] }, { content: '48.2 °C.' });
  const node = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'CPU?' }], tool_choice: { type: 'function', function: { name: 'read_source' } } });
  t.equal(node.choices[0]!.message.content, '48.2 °C.');
  const [, named, next] = w.fake.chatRequests();
  t.same(offered(named), ['read_source']);
  t.ok(offered(next).length > 1, 'the second turn offers every tool');

  w.fake.script({ toolCalls: [{ name: 'get_time', arguments: {} }] });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool, other], tool_choice: { type: 'function', function: { name: 'get_weather' } } }), { status: 502, code: 'SMOL_LLM_BAD_OUTPUT' }, 'a call to another tool does not count');
});

t.test('tool_choice naming a tool that is not offered is a 400, and nothing is asked or journaled', async (t) => {
  const { w, client, events } = await openAiNode(t, { scope: 'read' });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'tool_choice' });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tool_choice: { type: 'function', function: { name: 'gpio_write' } } }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'tool_choice' }, 'a node tool this caller may not use');
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tool_choice: 'bogus' as never }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'tool_choice' });
  t.equal(w.fake.chatRequests().length, 0);
  t.same(await events('agent.asked'), []);
});

t.test('a client tool named like a node tool is refused with 400, streamed or not, and changes nothing', async (t) => {
  const { w, client, baseURL, events } = await openAiNode(t);
  const clash = { type: 'function' as const, function: { name: 'read_source', description: 'my own', parameters: { type: 'object', properties: {} } } };
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool, clash] }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'tools.1.function.name' });
  const raw = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: ask, tools: [clash], stream: true }) });
  t.equal(raw.status, 400, 'refused before the stream begins');
  t.match(await raw.json(), { error: { type: 'invalid_request_error', code: 'SMOL_BAD_REQUEST', param: 'tools.0.function.name', message: /node's tools/ } });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, tools: [weatherTool, weatherTool] }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'tools.1.function.name' }, 'a name given twice');
  t.equal(w.fake.chatRequests().length, 0, 'the model was not asked');
  t.same(await events('agent.asked'), [], 'nothing journaled');
});
