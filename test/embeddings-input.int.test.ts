import t, { type Test } from 'tap';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, SmolError } from '../core/errors.js';
import { openaiRoutes } from '../adapters/http/routes/openai.js';
import { NgramEmbedder } from '../core/embeddings/ngram-embedder.js';
import { FallbackEmbedder } from '../core/embeddings/fallback-embedder.js';
import type { Embedder } from '../core/embeddings/embeddings-port.js';
import { fakeOllamaWorld, T0 } from './helpers/fake-ollama-world.js';

const NOTHING = ['!!!', '   ', '\u0000', '', '...?!', '\t\n'];

async function serveV1(t: Test) {
  const w = await fakeOllamaWorld(t, { now: T0 });
  const s = await w.services();
  const app = Fastify();
  app.decorateRequest('access', null as never);
  app.addHook('onRequest', async (request) => {
    request.access = { scope: 'admin', via: 'bearer' };
  });
  await app.register(openaiRoutes, { deps: { openai: { agent: s.agent, llm: s.llm, embedder: new NgramEmbedder() } } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/embeddings`;
  return { s, embed: (input: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) }) };
}

t.test('/v1/embeddings answers 400 SMOL_EMBEDDING_INPUT_EMPTY for input with nothing embeddable', async (t) => {
  const { embed } = await serveV1(t);
  for (const input of [...NOTHING, ['a sentence', '!!!']]) {
    const res = await embed(input);
    const body = (await res.json()) as { error?: { code?: string; param?: string; type?: string } };
    t.equal(res.status, 400, JSON.stringify(input));
    t.equal(body.error?.code, ErrorCodes.EMBEDDING_INPUT_EMPTY, `${JSON.stringify(input)}: code`);
    t.equal(body.error?.type, 'invalid_request_error');
    if (Array.isArray(input)) t.equal(body.error?.param, 'input[1]', 'the param names the empty one');
  }
  const ok = await embed(['café 42', 'ok!']);
  t.equal(ok.status, 200, 'text with a letter or digit is embedded');
});

t.test('the tools that embed caller input refuse it the same way, whichever embedder answers', async (t) => {
  const w = await fakeOllamaWorld(t, { now: T0 });
  const s = await w.services();
  const memory = s.memory;
  const caller = { via: 'api', conversationId: 'c1' } as never;
  await t.rejects(memory.remember({ text: '!!!', kind: 'fact', confidence: 0.5, sources: [] }, caller), { code: ErrorCodes.EMBEDDING_INPUT_EMPTY });
  await t.rejects(memory.observe({ text: '   ', kind: 'trend', confidence: 0.5, sources: [] }, caller), { code: ErrorCodes.EMBEDDING_INPUT_EMPTY });
  await t.rejects(memory.recall({ query: '?!', limit: 5 }), { code: ErrorCodes.EMBEDDING_INPUT_EMPTY });
});

t.test('an input refusal from the primary embedder is not taken for the primary being down', async (t) => {
  let calls = 0;
  const primary: Embedder = {
    model: 'primary',
    embed: async () => {
      calls++;
      throw new SmolError(ErrorCodes.EMBEDDING_INPUT_EMPTY, 'nothing');
    },
  };
  const fallbacks: unknown[] = [];
  const e = new FallbackEmbedder(primary, new NgramEmbedder(), { onFallback: (err) => fallbacks.push(err) });
  await t.rejects(e.embed(['!!!']), { code: ErrorCodes.EMBEDDING_INPUT_EMPTY });
  t.notOk(e.usingFallback(), 'the primary is still in use');
  t.equal(fallbacks.length, 0);
  await t.rejects(new NgramEmbedder().embed(['\u0000']), { code: ErrorCodes.EMBEDDING_INPUT_EMPTY }, 'the offline embedder calls it what it is too');
  t.equal(calls, 1);
});
