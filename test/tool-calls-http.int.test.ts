import t, { type Test } from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { createRegistry } from '../core/events/default-registry.js';
import { FallbackEmbedder } from '../core/embeddings/fallback-embedder.js';
import { NgramEmbedder } from '../core/embeddings/ngram-embedder.js';
import { configSchema } from '../adapters/config/schema.js';
import { OllamaLlm } from '../adapters/llm/ollama-llm.js';
import { startAgentServices } from '../adapters/tools/agent-services.js';
import { ROUTE_BODIES } from '../adapters/http/body-gate.js';
import { httpNode } from './helpers/http-node.js';

// From the LAN, so the tokens decide (loopback is open as admin).
const LAN = '192.168.1.20';

/** A node with its tools on the app; no model is needed, so the LLM points nowhere. */
async function setup(t: Test) {
  const n = await httpNode(t, async (node) => {
    const config = configSchema.parse({ dataDir: '/nonexistent', node: { name: 'kitchen' }, llm: { host: 'http://127.0.0.1:9' } });
    const llm = new OllamaLlm({ host: 'http://127.0.0.1:9', model: 'qwen2.5:1.5b', keepAlive: '10m', timeoutMs: 1000, retry: { retries: 0, baseMs: 1, sleep: async () => undefined } });
    const embedder = new FallbackEmbedder(new NgramEmbedder(), new NgramEmbedder());
    const services = await startAgentServices({ config, node, registry: createRegistry(), observe: false, inMemoryVectors: true, llm, embedder: { embedder, forModel: () => embedder } });
    t.teardown(() => services.stop());
    return { tools: services.tools };
  });
  await n.sample({ 'test.temp': 21.5 });
  const read = { authorization: `Bearer ${n.tokens.read}` };
  const admin = { authorization: `Bearer ${n.tokens.admin}` };
  const toolEvents = async () => {
    const out: Array<{ type: string; data: Record<string, unknown> }> = [];
    for await (const e of n.journal.read({ types: ['tool.called', 'tool.completed'] })) out.push({ type: e.event.type, data: e.event.data as Record<string, unknown> });
    return out;
  };
  return { ...n, read, admin, toolEvents };
}

t.test('GET /api/tools lists every tool with its JSON Schema and whether it only reads', async (t) => {
  const { app, read } = await setup(t);
  const res = await app.inject({ url: '/api/tools', headers: read, remoteAddress: LAN });
  t.equal(res.statusCode, 200);
  const tools = (res.json() as { tools: Array<{ name: string; readOnly: boolean; parameters: { type?: string; properties?: Record<string, unknown> } }> }).tools;
  const byName = new Map(tools.map((x) => [x.name, x]));
  t.match(byName.get('read_source'), { readOnly: true, parameters: { type: 'object', properties: { source: {} } } });
  t.match(byName.get('gpio_write'), { readOnly: false, parameters: { properties: { pin: {}, value: {} } } });
  t.equal((await app.inject({ url: '/api/tools', remoteAddress: LAN })).statusCode, 401, 'the list needs a token');
});

t.test('a read-only tool runs with the read token, is journaled with via api, and answers its result', async (t) => {
  const { app, read, toolEvents } = await setup(t);
  const res = await app.inject({ method: 'POST', url: '/api/tools/read_source', headers: read, remoteAddress: LAN, payload: { source: 'test.temp' } });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json() as { callId: string; tool: string; result: { value: number } };
  t.match(body, { tool: 'read_source', result: { value: 21.5 } });
  const events = await toolEvents();
  t.match(events, [
    { type: 'tool.called', data: { callId: body.callId, tool: 'read_source', args: { source: 'test.temp' }, caller: { kind: 'api', via: 'api' } } },
    { type: 'tool.completed', data: { callId: body.callId, tool: 'read_source', ok: true, result: { value: 21.5 } } },
  ]);
  const math = await app.inject({ method: 'POST', url: '/api/tools/math', headers: read, remoteAddress: LAN, payload: { expression: '6 * 7' } });
  t.match(math.json(), { result: { value: 42 } }, 'a second tool, same route');
  const noBody = await app.inject({ method: 'POST', url: '/api/tools/list_sources', headers: read, remoteAddress: LAN });
  t.equal(noBody.statusCode, 200, 'no body: no arguments');
  t.match(noBody.json(), { tool: 'list_sources', result: { sources: [{ source: 'test.temp' }] } });
});

t.test('a tool that writes is refused with the read token (nothing journaled, nothing written) and runs with the admin token', async (t) => {
  const { app, read, admin, gpio, toolEvents } = await setup(t);
  const refused = await app.inject({ method: 'POST', url: '/api/tools/gpio_write', headers: read, remoteAddress: LAN, payload: { pin: 'led', value: 1 } });
  t.equal(refused.statusCode, 403);
  t.equal(refused.json().error.code, ErrorCodes.FORBIDDEN);
  t.same(await toolEvents(), [], 'a refused call journals nothing');
  t.equal(await gpio.read('led'), 0, 'the pin is untouched');
  t.equal((await app.inject({ method: 'POST', url: '/api/tools/gpio_write', remoteAddress: LAN, payload: { pin: 'led', value: 1 } })).statusCode, 401, 'no token: 401');

  const res = await app.inject({ method: 'POST', url: '/api/tools/gpio_write', headers: admin, remoteAddress: LAN, payload: { pin: 'led', value: 1 } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { tool: 'gpio_write', result: { pin: 'led', value: 1 } });
  t.equal(await gpio.read('led'), 1, 'the pin was written');
  t.match(await toolEvents(), [{ type: 'tool.called', data: { tool: 'gpio_write', caller: { kind: 'api', via: 'api' } } }, { type: 'tool.completed', data: { ok: true } }]);
});

t.test('an unknown tool is 404 SMOL_TOOL_UNKNOWN, bad arguments 400 SMOL_TOOL_ARGS_INVALID naming the field; neither is journaled', async (t) => {
  const { app, admin, toolEvents } = await setup(t);
  const unknown = await app.inject({ method: 'POST', url: '/api/tools/make_coffee', headers: admin, remoteAddress: LAN, payload: {} });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, ErrorCodes.TOOL_UNKNOWN);
  t.ok((unknown.json().error.details.tools as string[]).includes('read_source'), 'the answer lists the tools there are');

  const wrongType = await app.inject({ method: 'POST', url: '/api/tools/gpio_write', headers: admin, remoteAddress: LAN, payload: { pin: 'led', value: 'on' } });
  t.equal(wrongType.statusCode, 400);
  t.equal(wrongType.json().error.code, ErrorCodes.TOOL_ARGS_INVALID);
  t.same(wrongType.json().error.details.issues.map((i: { path: string }) => i.path), ['value'], 'the field is named');

  const missing = await app.inject({ method: 'POST', url: '/api/tools/read_source', headers: admin, remoteAddress: LAN, payload: {} });
  t.equal(missing.statusCode, 400);
  t.same(missing.json().error.details.issues.map((i: { path: string }) => i.path), ['source']);
  const extra = await app.inject({ method: 'POST', url: '/api/tools/math', headers: admin, remoteAddress: LAN, payload: { expression: '1', precision: 3 } });
  t.same(extra.json().error.details.issues.map((i: { path: string }) => i.path), ['precision'], 'an unknown argument is named too');
  const notObject = await app.inject({ method: 'POST', url: '/api/tools/math', headers: admin, remoteAddress: LAN, payload: [1, 2] });
  t.equal(notObject.statusCode, 400);
  t.equal(notObject.json().error.code, ErrorCodes.TOOL_ARGS_INVALID);
  t.same(await toolEvents(), [], 'no bad call reached the journal');
});

t.test('a tool that runs and fails answers with its own code and the call id, and is journaled as failed', async (t) => {
  const { app, read, toolEvents } = await setup(t);
  const res = await app.inject({ method: 'POST', url: '/api/tools/math', headers: read, remoteAddress: LAN, payload: { expression: '1 +' } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().error.code, ErrorCodes.TOOL_FAILED);
  const callId = res.json().error.details.callId as string;
  t.match(await toolEvents(), [{ type: 'tool.called', data: { callId } }, { type: 'tool.completed', data: { callId, ok: false, error: { code: ErrorCodes.TOOL_FAILED } } }]);
  const pin = await app.inject({ method: 'POST', url: '/api/tools/gpio_read', headers: read, remoteAddress: LAN, payload: { pin: 'nope' } });
  t.equal(pin.statusCode, 404, 'a tool error keeps its own status');
  t.equal(pin.json().error.code, ErrorCodes.GPIO_PIN_UNKNOWN);
});

t.test('below the low-space watermark (tool calls are low-value writes), a call is refused with 503 before the tool runs', async (t) => {
  const { app, admin, journal, gpio } = await setup(t);
  journal.setDiskLow(true); // what the data-disk watch does below journal.minFreeBytes
  const res = await app.inject({ method: 'POST', url: '/api/tools/gpio_write', headers: admin, remoteAddress: LAN, payload: { pin: 'led', value: 1 } });
  t.equal(res.statusCode, 503);
  t.equal(res.json().error.code, ErrorCodes.DISK_LOW);
  t.equal(await gpio.read('led'), 0, 'the tool did not run');
});

t.test('the tool route has a body limit in the table, and a larger body is refused', async (t) => {
  const { app, admin } = await setup(t);
  const spec = ROUTE_BODIES['POST /api/tools/:name'];
  t.match(spec, { from: 'token' });
  const res = await app.inject({ method: 'POST', url: '/api/tools/math', headers: { ...admin, 'content-type': 'application/json' }, remoteAddress: LAN, payload: JSON.stringify({ expression: 'x'.repeat(spec!.limit) }) });
  t.equal(res.statusCode, 413);
  t.equal(res.json().error.code, ErrorCodes.BODY_TOO_LARGE);
});
