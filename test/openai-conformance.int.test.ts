import t from 'tap';
import { OpenAI } from 'openai';
import { OpenAiCompatibleLlm } from '../adapters/llm/openai-compatible-llm.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { httpNode } from './helpers/http-node.js';
import { nodeAgent } from './helpers/node-agent.js';
import { openAiNode, weatherTool } from './helpers/openai-node.js';

// /v1 with the official `openai` client: response_format and the sampling settings reach the
// scripted Ollama server (its recorded requests are asserted), models are listed once and can be
// retrieved, and every /v1 error — unknown paths included — is in OpenAI's envelope.
const ask = [{ role: 'user' as const, content: 'Give me JSON.' }];
const envelope = (code: string, type: string) => ({ error: { message: String, type, param: null, code } });

t.test('response_format json_object reaches Ollama as format "json", json_schema as the schema, on every turn', async (t) => {
  const { w, client } = await openAiNode(t);
  w.fake.script({ content: '{"ok":true}' });
  const res = await client.chat.completions.create({ model: 'x', messages: ask, response_format: { type: 'json_object' } });
  t.equal(res.choices[0]!.message.content, '{"ok":true}');
  t.equal(w.fake.chatRequests()[0]!.format, 'json');

  const schema = { type: 'object', properties: { temp: { type: 'number' } }, required: ['temp'], additionalProperties: false };
  w.fake.script({ toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] }, { content: '{"temp":48.2}' });
  const stream = await client.chat.completions.create({ model: 'x', messages: ask, stream: true, response_format: { type: 'json_schema', json_schema: { name: 'cpu', schema, strict: true } } });
  let content = '';
  for await (const c of stream) content += c.choices[0]?.delta.content ?? '';
  t.equal(content, '{"temp":48.2}');
  const [, turn1, turn2] = w.fake.chatRequests();
  t.same(turn1!.format, schema);
  t.same(turn2!.format, schema, 'the answer after the tool call is held to the schema too');

  w.fake.script({ content: 'plain' });
  await client.chat.completions.create({ model: 'x', messages: ask, response_format: { type: 'text' } });
  t.equal(w.fake.chatRequests().at(-1)!.format, undefined, 'text asks for no format');
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, response_format: { type: 'xml' } as never }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'response_format.type' });
});

t.test('temperature, top_p, stop, seed and max_tokens reach Ollama\'s options', async (t) => {
  const { w, client } = await openAiNode(t);
  w.fake.script({ content: 'a' });
  await client.chat.completions.create({ model: 'x', messages: ask, temperature: 0.3, top_p: 0.9, stop: ['\n\n', 'END'], seed: 42, max_tokens: 64 });
  t.same(w.fake.chatRequests()[0]!.options, { temperature: 0.3, num_predict: 64, top_p: 0.9, stop: ['\n\n', 'END'], seed: 42 });
  w.fake.script({ content: 'b' });
  await client.chat.completions.create({ model: 'x', messages: ask, stop: 'STOP', max_completion_tokens: 8 });
  t.same(w.fake.chatRequests()[1]!.options, { num_predict: 8, stop: ['STOP'] });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, top_p: 3 }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'top_p' });
  await t.rejects(client.chat.completions.create({ model: 'x', messages: ask, seed: 1.5 }), { status: 400, code: 'SMOL_BAD_REQUEST', param: 'seed' });
});

t.test('an OpenAI-compatible upstream gets tool_choice, response_format and the options as given', async (t) => {
  // The upstream is another node's /v1; what it passed on shows in its Ollama server's requests.
  const { w, baseURL } = await openAiNode(t);
  const llm = new OpenAiCompatibleLlm({ baseUrl: baseURL, model: 'qwen2.5:1.5b', timeoutMs: 5000, retry: { retries: 0, baseMs: 1 } });
  const spec = { name: 'get_weather', description: 'Weather', parameters: weatherTool.function.parameters };
  const other = { name: 'get_time', description: 'Time', parameters: { type: 'object', properties: {} } };
  w.fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
  const res = await llm.chat({ messages: ask, tools: [spec, other], toolChoice: { name: 'get_weather' }, format: 'json', topP: 0.5, stop: ['X'], seed: 7, temperature: 0 });
  t.same(res.toolCalls.map((c) => c.name), ['get_weather']);
  const req = w.fake.chatRequests()[0]!;
  t.same(req.tools!.map((x) => x.function.name), ['get_weather'], 'the named tool only');
  t.equal(req.format, 'json');
  t.same(req.options, { temperature: 0, top_p: 0.5, stop: ['X'], seed: 7 });
  const schema = { type: 'object', properties: { a: { type: 'number' } } };
  w.fake.script({ content: '{"a":1}' });
  await llm.chat({ messages: ask, format: schema, formatName: 'thing', toolChoice: 'none', tools: [spec] });
  const second = w.fake.chatRequests()[1]!;
  t.same(second.format, schema);
  t.equal(second.tools, undefined, 'tool_choice none passed on: no tools offered');
});

t.test('GET /v1/models lists each model once (all-minilm and all-minilm:latest are one) and GET /v1/models/{id} retrieves one', async (t) => {
  const { client, baseURL } = await openAiNode(t, { models: ['qwen2.5:1.5b', 'all-minilm:latest', 'hf.co/org/tiny:Q4'] });
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  t.same(ids.sort(), ['all-minilm', 'hf.co/org/tiny:Q4', 'qwen2.5:1.5b']);
  t.match(await client.models.retrieve('qwen2.5:1.5b'), { id: 'qwen2.5:1.5b', object: 'model', owned_by: 'smollama' });
  t.match(await client.models.retrieve('all-minilm:latest'), { id: 'all-minilm' });
  t.match(await client.models.retrieve('hf.co/org/tiny:Q4'), { id: 'hf.co/org/tiny:Q4' }, 'a name with slashes');
  await t.rejects(client.models.retrieve('gpt-4o'), { status: 404, code: 'SMOL_NOT_FOUND', param: 'model', type: 'not_found_error' });
  const raw = await fetch(`${baseURL}/models/gpt-4o`);
  t.equal(raw.status, 404);
  t.match(await raw.json(), { error: { message: String, type: 'not_found_error', param: 'model', code: 'SMOL_NOT_FOUND' } });
});

t.test('an unknown /v1 path answers 404 in OpenAI\'s envelope; other paths keep the node\'s shape', async (t) => {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const { app, tokens } = await httpNode(t, nodeAgent(t, fake));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: tokens.admin, maxRetries: 0 });
  await t.rejects(client.get('/assistants'), { status: 404, code: 'SMOL_NOT_FOUND', type: 'not_found_error' });
  for (const [method, url] of [['GET', '/v1/nothing'], ['POST', '/v1/responses'], ['GET', '/v1/chat/completions'], ['GET', '/v1']] as const) {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${tokens.admin}` }, ...(method === 'POST' ? { payload: { a: 1 } } : {}) });
    t.equal(res.statusCode, 404, `${method} ${url}`);
    t.match(res.json(), envelope('SMOL_NOT_FOUND', 'not_found_error'), `${method} ${url} in the envelope`);
  }
  const api = await app.inject({ method: 'GET', url: '/api/nothing' });
  t.same(Object.keys(api.json().error).sort(), ['code', 'message'], 'the node\'s own API keeps its shape');
});

t.test('refusals before the route (credentials, the body gate, a body too large) are in the envelope on /v1', async (t) => {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const { app, tokens } = await httpNode(t, nodeAgent(t, fake));
  const remote = { remoteAddress: '10.0.0.9' };
  const body = { messages: [{ role: 'user', content: 'hi' }] };
  const cases = [
    { name: 'a body without a token (body gate)', req: { method: 'POST' as const, url: '/v1/chat/completions', payload: body, ...remote }, status: 401, code: 'SMOL_AUTH_REQUIRED', type: 'authentication_error' },
    { name: 'a body with a wrong token (body gate)', req: { method: 'POST' as const, url: '/v1/chat/completions', headers: { authorization: 'Bearer wrong' }, payload: body, ...remote }, status: 401, code: 'SMOL_AUTH_INVALID', type: 'authentication_error' },
    { name: 'a body on an unknown /v1 path without a token', req: { method: 'POST' as const, url: '/v1/nothing', payload: body, ...remote }, status: 401, code: 'SMOL_AUTH_REQUIRED', type: 'authentication_error' },
    { name: 'no token on a GET', req: { method: 'GET' as const, url: '/v1/models', ...remote }, status: 401, code: 'SMOL_AUTH_REQUIRED', type: 'authentication_error' },
    { name: 'a body over the route limit', req: { method: 'POST' as const, url: '/v1/embeddings', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ input: 'x'.repeat(3 << 20) }) }, status: 413, code: 'SMOL_BODY_TOO_LARGE', type: 'invalid_request_error' },
    { name: 'JSON that does not parse', req: { method: 'POST' as const, url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: '{"messages": [' }, status: 400, code: 'SMOL_BAD_REQUEST', type: 'invalid_request_error' },
  ];
  for (const c of cases) {
    const res = await app.inject(c.req);
    t.equal(res.statusCode, c.status, c.name);
    t.match(res.json(), envelope(c.code, c.type), c.name);
  }
});
