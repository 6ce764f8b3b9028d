import type { Test } from 'tap';
import { openMemoryJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { allProjections } from '../../projections/all.js';
import { OllamaLlm } from '../../adapters/llm/ollama-llm.js';
import { OllamaEmbedder } from '../../adapters/embeddings/ollama-embedder.js';
import type { NodeViews } from '../../adapters/tools/node-views.js';
import { FakeOllama, type FakeOllamaOptions } from './fake-ollama.js';
import { configSchema, type Config } from '../../adapters/config/schema.js';
import { startAgentServices, type AgentServices } from '../../adapters/tools/agent-services.js';
import type { GpioPort } from '../../core/sensors/sensor-port.js';
import { FallbackEmbedder } from '../../core/embeddings/fallback-embedder.js';
import { NgramEmbedder } from '../../core/embeddings/ngram-embedder.js';

export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;

/**
 * A node's journal and projections on a clock the test moves, next to a scripted Ollama server
 * with a real client for chat and embeddings.
 */
export async function fakeOllamaWorld(t: Test, options: FakeOllamaOptions & { now?: number } = {}) {
  let now = options.now ?? T0;
  const journal = await openMemoryJournal({ clock: { now: () => now } });
  const registry = createRegistry();
  const runners = new Map<string, ProjectionRunner<any>>();
  for (const p of allProjections) {
    const r = new ProjectionRunner(journal, p, registry, { flushIntervalMs: 50 });
    runners.set(p.name, r);
    await r.start();
  }
  const views: NodeViews = {
    journal,
    runner<S>(name: string) {
      const r = runners.get(name);
      if (!r) throw new TypeError(`no projection named ${name}`);
      return r as ProjectionRunner<S>;
    },
  };
  const fake = await FakeOllama.start(options);
  const retry = { retries: 1, baseMs: 1, sleep: async () => undefined };
  const llm = new OllamaLlm({ host: fake.url, model: 'qwen2.5:1.5b', keepAlive: '10m', timeoutMs: 5000, retry });
  const embedder = new OllamaEmbedder({ host: fake.url, model: 'all-minilm', keepAlive: '10m', timeoutMs: 5000, retry });
  t.teardown(async () => {
    for (const r of runners.values()) await r.stop();
    await journal.close();
    await fake.close().catch(() => undefined);
  });
  let services: AgentServices | undefined;
  t.teardown(async () => {
    await services?.stop();
  });
  return {
    journal, registry, runners, views, fake, llm, embedder,
    /** Starts the agent side (tools, memory, vectors, agent) on this world; no observer schedule. */
    async services(config: Record<string, unknown> = {}, extra: { gpio?: GpioPort; writeGpio?: (pin: string, v: 0 | 1) => Promise<void> } = {}): Promise<AgentServices & { config: Config }> {
      const cfg = configSchema.parse({ dataDir: '/nonexistent', node: { name: 'kitchen' }, ...config, llm: { host: fake.url, ...(config['llm'] as object) } });
      const fb = new FallbackEmbedder(embedder, new NgramEmbedder());
      services = await startAgentServices({
        config: cfg, registry, observe: false, inMemoryVectors: true, llm, now: () => now,
        embedder: { embedder: fb, forModel: (m) => fb.forModel(m) },
        node: { ...views, runner: views.runner, ...(extra.gpio ? { gpio: extra.gpio } : {}), ...(extra.writeGpio ? { writeGpio: extra.writeGpio } : {}) },
      });
      return { ...services, config: cfg };
    },
    now: () => now,
    setNow(ms: number) {
      now = ms;
    },
    /** Registers sources (unit, label). */
    async register(sources: Array<{ source: string; unit?: string; label?: string }>) {
      await journal.append(sources.map((s) => ({ type: 'source.registered', data: { provider: s.source.split('.')[0]!, simulated: false, ...s } })));
    },
    /** Appends one reading.sampled at `at`. */
    async reading(at: number, values: Record<string, number>) {
      now = at;
      await journal.appendOne('reading.sampled', { values });
    },
    /** Every projection has applied all events. */
    async settle() {
      for (const r of runners.values()) await r.caughtUp();
    },
  };
}
