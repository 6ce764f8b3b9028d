import type { Test } from 'tap';
import Fastify from 'fastify';
import { OpenAI } from 'openai';
import type { AddressInfo } from 'node:net';
import { openaiRoutes } from '../../adapters/http/routes/openai.js';
import type { EventDataMap } from '../../core/events/core-events.js';
import { fakeOllamaWorld, T0, MIN } from './fake-ollama-world.js';

/**
 * A node's /v1 on a real port over the scripted Ollama server, with the official `openai` client.
 * `models`: what the Ollama server says it has (default: the chat and embedding models).
 */
export async function openAiNode(t: Test, options: { scope?: 'admin' | 'read'; models?: readonly string[] } = {}) {
  const w = await fakeOllamaWorld(t, { now: T0 - 5 * MIN, ...(options.models ? { models: options.models } : {}) });
  await w.register([{ source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }]);
  await w.reading(T0 - MIN, { 'system.cpu_temp': 48.2 });
  w.setNow(T0);
  const s = await w.services();
  const app = Fastify();
  // buildApp's guard decides who the caller is; here the test does.
  app.decorateRequest('access', null as never);
  app.addHook('onRequest', async (request) => {
    // `Bearer wrong` stands for a token that is no token of this node's.
    request.access = request.headers.authorization === 'Bearer wrong' ? { scope: undefined, via: 'bad-bearer' } : { scope: options.scope ?? 'admin', via: 'bearer' };
  });
  await app.register(openaiRoutes, { deps: { openai: { agent: s.agent, llm: s.llm, embedder: s.embedder, embedderFor: s.queryEmbedder } } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const baseURL = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  const client = new OpenAI({ baseURL, apiKey: 'node-token', maxRetries: 0 });
  /** The data of every journaled event of a type. */
  const events = async <T extends keyof EventDataMap>(type: T): Promise<EventDataMap[T][]> => {
    const out: EventDataMap[T][] = [];
    for await (const e of w.journal.read({ types: [type] })) out.push(e.event.data as EventDataMap[T]);
    return out;
  };
  return { w, s, client, baseURL, events };
}

/** A tool the client runs itself. */
export const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
