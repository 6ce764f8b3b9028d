import t, { type Test } from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { httpNode } from './helpers/http-node.js';
import { nodeAgent } from './helpers/node-agent.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { waitFor } from './helpers/wait-for.js';

const LAN = '192.168.1.20';

/** The events of a server-sent event stream, in order. */
function sse(body: string): Array<{ event: string; data: Record<string, unknown> }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

async function setup(t: Test) {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const n = await httpNode(t, nodeAgent(t, fake));
  await n.sample({ 'test.temp': 21.5 });
  const asked = async () => {
    const out: unknown[] = [];
    for await (const e of n.journal.read({ types: ['agent.asked'] })) out.push(e.event.data);
    return out;
  };
  return { ...n, fake, asked };
}

t.test('POST /api/agent/ask streams the answer and shows the tool calls', async (t) => {
  const { app, fake, asked } = await setup(t);
  fake.script(
    { toolCalls: [{ name: 'read_source', arguments: { source: 'test.temp' } }] },
    (req) => ({ content: `It is ${(JSON.parse(req.messages.at(-1)!.content) as { value: number }).value} °C.`, chunkSize: 3 }),
  );
  const res = await app.inject({ method: 'POST', url: '/api/agent/ask', payload: { question: 'How warm is it?' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/event-stream/);
  const events = sse(res.body);
  t.equal(events[0]!.event, 'start');
  const tool = events.find((e) => e.event === 'tool');
  t.match(tool?.data, { name: 'read_source', arguments: { source: 'test.temp' }, ok: true, result: { value: 21.5 } }, 'the tool call and its result');
  const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data['text']);
  t.ok(deltas.length > 1, 'the answer came in pieces');
  t.equal(deltas.join(''), 'It is 21.5 °C.');
  t.match(events.at(-1), { event: 'done', data: { answer: 'It is 21.5 °C.', toolCalls: 1 } });
  t.match(await asked(), [{ question: 'How warm is it?', via: 'ui' }], 'journaled as asked from the dashboard');
});

t.test('earlier turns are passed to the model', async (t) => {
  const { app, fake } = await setup(t);
  fake.script({ content: 'Still 21.5 °C.' });
  const history = [{ role: 'user', content: 'How warm is it?' }, { role: 'assistant', content: 'It is 21.5 °C.' }];
  const res = await app.inject({ method: 'POST', url: '/api/agent/ask', payload: { question: 'And now?', history } });
  t.match(sse(res.body).at(-1), { event: 'done', data: { answer: 'Still 21.5 °C.' } });
  const messages = fake.chatRequests()[0]!.messages.map((m) => [m.role, m.content]);
  t.same(messages.slice(1), [['user', 'How warm is it?'], ['assistant', 'It is 21.5 °C.'], ['user', 'And now?']]);
});

t.test('a read-only caller gets the read-only tools; no credentials from the LAN is 401', async (t) => {
  const { app, fake, tokens } = await setup(t);
  fake.script({ content: 'ok' });
  const res = await app.inject({ method: 'POST', url: '/api/agent/ask', remoteAddress: LAN, headers: { authorization: `Bearer ${tokens.read}` }, payload: { question: 'Hi' } });
  t.equal(res.statusCode, 200);
  const tools = fake.chatRequests()[0]!.tools!.map((x) => x.function.name);
  t.ok(tools.includes('read_source'));
  t.notOk(tools.includes('gpio_write'), 'no GPIO writes for a read-only token');
  const anon = await app.inject({ method: 'POST', url: '/api/agent/ask', remoteAddress: LAN, payload: { question: 'Hi' } });
  t.equal(anon.statusCode, 401);
  t.equal(anon.json().error.code, ErrorCodes.AUTH_REQUIRED);
});

t.test('a bad body is 400 and asks nothing; a model failure ends the stream with its code', async (t) => {
  const { app, fake, asked } = await setup(t);
  for (const payload of [{}, { question: '' }, { question: 'x', history: [{ role: 'system', content: 'x' }] }, { question: 'x', extra: 1 }]) {
    const res = await app.inject({ method: 'POST', url: '/api/agent/ask', payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().error.code, ErrorCodes.BAD_REQUEST);
  }
  t.same(await asked(), [], 'nothing was asked');
  fake.script({ status: 404, error: 'model "qwen2.5:1.5b" not found, try pulling it first' });
  const res = await app.inject({ method: 'POST', url: '/api/agent/ask', payload: { question: 'Hello?' } });
  const last = sse(res.body).at(-1)!;
  t.equal(last.event, 'error');
  t.match(last.data['code'], /^SMOL_LLM_/);
});

t.test('over a real socket a slow answer is streamed whole; a client that leaves aborts the question', async (t) => {
  const { app, fake, journal } = await setup(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/agent/ask`;
  const post = (question: string, signal?: AbortSignal) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }), ...(signal ? { signal } : {}) });

  // The request's body is read long before the model answers: that must not count as leaving.
  fake.script({ content: 'Slow but sure.', delayMs: 400, chunkSize: 4 });
  const stayed = await post('Take your time?');
  t.match(sse(await stayed.text()).at(-1), { event: 'done', data: { answer: 'Slow but sure.' } }, 'the client that stayed got the whole answer');

  fake.script({ content: 'Nobody will read this.', delayMs: 5_000 });
  const leave = new AbortController();
  const left = await post('Are you there?', leave.signal);
  const reader = left.body!.getReader();
  t.match(new TextDecoder().decode((await reader.read()).value), /event: start/, 'the stream started');
  leave.abort();
  let error: { code: string } | undefined;
  const abandoned = async () => {
    for await (const e of journal.read({ types: ['agent.answered'] })) error = (e.event.data as { error?: { code: string } }).error ?? error;
    return error !== undefined;
  };
  // The model answers after 5 s: an error journaled within 4 s means the question was given up first.
  await waitFor(abandoned, { timeoutMs: 4_000, intervalMs: 50, message: 'agent.answered with an error' });
  t.equal(error?.code, ErrorCodes.LLM_ABORTED, 'the question was abandoned before the model finished, and journaled so');
});
