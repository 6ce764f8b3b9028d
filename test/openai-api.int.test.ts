import t, { type Test } from 'tap';
import { OpenAiCompatibleLlm } from '../adapters/llm/openai-compatible-llm.js';
import { OpenAI } from 'openai';
import { openAiNode } from './helpers/openai-node.js';

async function serve(t: Test, scope: 'admin' | 'read' = 'admin') {
  const { w, s, client, baseURL } = await openAiNode(t, { scope });
  return { w, s, client, baseURL };
}

const cpuScript = [
  { toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] },
  { content: 'The CPU is at 48.2 °C.', chunkSize: 4 },
];

t.test('GET /v1/models lists the chat and embedding models', async (t) => {
  const { client } = await serve(t);
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  t.same(ids.sort(), ['all-minilm', 'qwen2.5:1.5b']);
});

t.test('a chat completion is answered by the agent with the node\'s tools', async (t) => {
  const { w, client } = await serve(t);
  w.fake.script(...cpuScript);
  const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'How warm is the CPU?' }] });
  t.equal(res.object, 'chat.completion');
  t.equal(res.choices[0]!.message.content, 'The CPU is at 48.2 °C.');
  t.equal(res.choices[0]!.finish_reason, 'stop');
  t.equal(res.model, 'qwen2.5:1.5b', 'an unknown model name means the node\'s model');
  t.same(res.usage, { prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 });
  let asked;
  for await (const e of w.journal.read({ types: ['agent.asked'] })) asked = e.event.data;
  t.match(asked, { via: 'api', question: 'How warm is the CPU?' });
});

t.test('streaming sends deltas and ends with data: [DONE]', async (t) => {
  const { w, client, baseURL } = await serve(t);
  w.fake.script(...cpuScript);
  const stream = await client.chat.completions.create({ model: 'qwen2.5:1.5b', messages: [{ role: 'user', content: 'How warm is the CPU?' }], stream: true, stream_options: { include_usage: true } });
  let content = '';
  const finishes: string[] = [];
  let usage;
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    content += c.choices[0]?.delta.content ?? '';
    if (c.choices[0]?.finish_reason) finishes.push(c.choices[0].finish_reason);
    if (c.usage) usage = c.usage;
  }
  t.equal(content, 'The CPU is at 48.2 °C.');
  t.ok(chunks > 5, `${chunks} chunks`);
  t.same(finishes, ['stop']);
  t.match(usage, { total_tokens: 60 });

  w.fake.script({ content: 'hi' });
  const raw = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }) });
  t.match(raw.headers.get('content-type'), /text\/event-stream/);
  const text = await raw.text();
  t.ok(text.endsWith('data: [DONE]\n\n'), 'the stream ends with [DONE]');
});

t.test("the client's tools come back as tool_calls, with an integer index when streamed, and the conversation continues", async (t) => {
  const { w, client } = await serve(t);
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools, model: 'x' });
  const call = res.choices[0]!.message.tool_calls![0]!;
  t.equal(res.choices[0]!.finish_reason, 'tool_calls');
  t.equal(call.type, 'function');
  t.match(call, { function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });

  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Bergen' } }] });
  const stream = await client.chat.completions.create({ messages: [{ role: 'user', content: 'Weather in Bergen?' }], tools, stream: true, model: 'x' });
  const deltas = [];
  for await (const c of stream) deltas.push(...(c.choices[0]?.delta.tool_calls ?? []));
  t.equal(deltas.length, 1);
  t.equal(deltas[0]!.index, 0);
  t.equal(typeof deltas[0]!.index, 'number');
  t.match(deltas[0], { id: String, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } });

  w.fake.script((req) => {
    const last = req.messages.at(-1)!;
    t.equal(last.role, 'tool');
    t.equal(last.tool_name, 'get_weather');
    return { content: 'Oslo: 3 °C and rain.' };
  });
  const follow = await client.chat.completions.create({
    model: 'x', tools,
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: call.id, content: '{"temp":3,"sky":"rain"}' },
    ],
  });
  t.equal(follow.choices[0]!.message.content, 'Oslo: 3 °C and rain.');
});

t.test('embeddings, as floats and as the base64 the client asks for by default', async (t) => {
  const { client, baseURL } = await serve(t);
  const res = await client.embeddings.create({ model: 'all-minilm', input: ['warm kitchen', 'cold garage'] });
  t.equal(res.data.length, 2);
  t.equal(res.data[0]!.embedding.length, 384);
  t.equal(res.model, 'all-minilm');
  const norm = Math.sqrt(res.data[0]!.embedding.reduce((a, x) => a + x * x, 0));
  t.ok(Math.abs(norm - 1) < 1e-5);
  const floats = await (await fetch(`${baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'warm kitchen', encoding_format: 'float' }) })).json() as { data: Array<{ embedding: number[] }> };
  t.ok(Math.abs(floats.data[0]!.embedding[0]! - res.data[0]!.embedding[0]!) < 1e-6, 'the same vector either way');
  const offline = await client.embeddings.create({ model: 'smollama-ngram-v1', input: 'warm kitchen' });
  t.equal(offline.model, 'smollama-ngram-v1');
  await t.rejects(client.embeddings.create({ model: 'text-embedding-3-large', input: 'x' }), { status: 404, code: 'SMOL_NOT_FOUND' });
});

t.test('errors use the OpenAI envelope', async (t) => {
  const { w, client, baseURL } = await serve(t);
  await t.rejects(client.chat.completions.create({ model: 'x', messages: [] }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'messages' });
  const raw = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages": [' });
  t.equal(raw.status, 400);
  t.match(await raw.json(), { error: { type: 'invalid_request_error', code: 'SMOL_BAD_REQUEST', param: null, message: String } });
  const bad = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
  await t.rejects(bad.models.list(), { status: 401, code: 'SMOL_AUTH_INVALID' });
  await w.fake.close();
  await t.rejects(client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), { status: 503, code: 'SMOL_LLM_UNREACHABLE' });
});

t.test('a read-only caller gets only read-only tools', async (t) => {
  const { w, client } = await serve(t, 'read');
  w.fake.script({ toolCalls: [{ name: 'gpio_write', arguments: { pin: 'led', value: 1 } }] }, (req) => {
    t.notOk(req.tools!.some((x) => x.function.name === 'gpio_write' || x.function.name === 'remember'));
    t.match(JSON.parse(req.messages.at(-1)!.content), { error: { code: 'SMOL_FORBIDDEN' } });
    return { content: 'I may not.' };
  });
  const res = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'turn on the led' }] });
  t.equal(res.choices[0]!.message.content, 'I may not.');
});

t.test('the OpenAI-compatible upstream adapter works against a node (chat, stream, tools)', async (t) => {
  const { w, baseURL } = await serve(t);
  const llm = new OpenAiCompatibleLlm({ baseUrl: baseURL, model: 'qwen2.5:1.5b', timeoutMs: 5000, retry: { retries: 0, baseMs: 1 } });
  w.fake.script(...cpuScript);
  const res = await llm.chat({ messages: [{ role: 'user', content: 'How warm is the CPU?' }] });
  t.equal(res.content, 'The CPU is at 48.2 °C.');
  t.equal(res.usage.promptTokens, 40);
  w.fake.script({ toolCalls: [{ name: 'ext_tool', arguments: { a: 1 } }] });
  const tc = await llm.chat({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'ext_tool', description: 'd', parameters: { type: 'object', properties: { a: { type: 'number' } } } }] });
  t.same(tc.toolCalls.map((c) => [c.name, c.arguments]), [['ext_tool', { a: 1 }]]);
  w.fake.script({ toolCalls: [{ name: 'ext_tool', arguments: { a: 2 } }] });
  const calls = [];
  for await (const c of llm.chatStream({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'ext_tool', description: 'd', parameters: { type: 'object' } }] })) calls.push(...c.toolCalls);
  t.same(calls.map((c) => c.arguments), [{ a: 2 }]);
  w.fake.script({ content: 'streamed answer', chunkSize: 2 });
  let text = '';
  for await (const c of llm.chatStream({ messages: [{ role: 'user', content: 'x' }] })) text += c.contentDelta;
  t.equal(text, 'streamed answer');
  t.ok((await llm.models()).some((m) => m.name === 'qwen2.5:1.5b'));
});
