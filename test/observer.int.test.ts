import t, { type Test } from 'tap';
import { Observer, type ObserverDeps } from '../core/observer/observer.js';
import { NgramEmbedder, NGRAM_MODEL } from '../core/embeddings/ngram-embedder.js';
import { FallbackEmbedder } from '../core/embeddings/fallback-embedder.js';
import { observerInputs } from '../adapters/tools/observer-inputs.js';
import { listObservations } from '../projections/observations.js';
import { fakeOllamaWorld, T0, MIN, HOUR } from './helpers/fake-ollama-world.js';
import { waitFor } from './helpers/wait-for.js';

const SETTINGS = { intervalMs: 15 * MIN, minIntervalMs: 5 * MIN, maxIntervalMs: 60 * MIN, windowMs: 15 * MIN, maxObservations: 5 };

/**
 * A day of quiet baseline (cpu_temp around 45, humidity around 40, uptime counting), then a window
 * whose cpu_temp and humidity are given per minute (default: flat).
 */
async function withHistory(t: Test, windowTemp: (m: number) => number, windowHumidity: (m: number) => number = () => 40.5) {
  const w = await fakeOllamaWorld(t, { now: T0 - 25 * HOUR });
  await w.register([
    { source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' },
    { source: 'room.humidity', unit: '%', label: 'Humidity' },
    { source: 'system.uptime', unit: 's', label: 'Uptime' },
  ]);
  const start = T0 - 24 * HOUR;
  for (let at = start; at < T0 - 15 * MIN; at += 10 * MIN) {
    const k = (at - start) / (10 * MIN);
    await w.reading(at, { 'system.cpu_temp': 45 + (k % 3) * 0.5, 'room.humidity': 40 + (k % 2), 'system.uptime': (at - start) / 1000 });
  }
  for (let m = 0; m < 15; m++) {
    const at = T0 - 15 * MIN + m * MIN;
    await w.reading(at, { 'system.cpu_temp': windowTemp(m), 'room.humidity': windowHumidity(m), 'system.uptime': (at - start) / 1000 });
  }
  w.setNow(T0);
  await w.settle();
  return w;
}

function observer(w: Awaited<ReturnType<typeof withHistory>>, extra: Partial<ObserverDeps> = {}) {
  return new Observer({
    journal: w.journal, inputs: observerInputs(w.views), llm: w.llm, embedder: w.embedder,
    nodeName: 'kitchen', settings: SETTINGS, now: w.now, ...extra,
  });
}

async function recorded(w: Awaited<ReturnType<typeof withHistory>>) {
  const out = [];
  for await (const e of w.journal.read({ types: ['observation.recorded'] })) out.push(e.event.data as import('../core/events/core-events.js').EventDataMap['observation.recorded']);
  return out;
}

t.test('with a valid model answer, observations are journaled as llm, with model and embedding', async (t) => {
  const w = await withHistory(t, () => 45.5);
  w.fake.script({ content: JSON.stringify({ observations: [{ text: 'CPU temperature steady at 45.5 °C, as usual for this hour.', kind: 'state', confidence: 0.8, sources: ['system.cpu_temp'] }], memories: [] }) });
  const run = await observer(w).runOnce();
  t.equal(run.method, 'llm');
  t.equal(run.observations, 1);
  const [o] = await recorded(w);
  t.equal(o!.method, 'llm');
  t.equal(o!.model, 'qwen2.5:1.5b');
  t.equal(o!.embedding.model, 'all-minilm');
  t.equal(o!.embedding.dim, 384);
  t.same(o!.window, { fromMs: T0 - 15 * MIN, toMs: T0 });
  const req = w.fake.chatRequests()[0]!;
  t.equal((req.format as { type: string }).type, 'object', 'the answer schema is sent as format');
  const prompt = req.messages[1]!.content;
  t.match(prompt, /system\.cpu_temp \[°C\]: 45\.5 \| 45\.5\/45\.5\/45\.5 \(15\)/, 'rollups, not raw rows');
  t.match(prompt, /system\.uptime \[s\]: .* \| clock \|/, 'uptime is recognised as a clock');
  t.ok(run.promptTokens < 400, `small prompt (${run.promptTokens} tokens)`);
  await w.settle();
  const rows = await listObservations((await w.views.runner('observations').flush(), w.views.runner('observations')).store, {});
  t.equal(rows[0]?.text, o!.text, 'the observations projection lists it');
});

t.test('a rising temperature without a model gives statistical trend, excursion and anomaly observations', async (t) => {
  const w = await withHistory(t, (m) => 46 + m * 0.8);
  const run = await observer(w, { llm: undefined }).runOnce();
  t.equal(run.method, 'statistical');
  t.equal(run.fallback?.code, 'SMOL_LLM_UNREACHABLE');
  const obs = await recorded(w);
  t.same(obs.map((o) => o.kind).sort(), ['anomaly', 'excursion', 'trend']);
  t.ok(obs.every((o) => o.method === 'statistical' && o.model === null && o.sources[0] === 'system.cpu_temp'));
  t.match(obs.find((o) => o.kind === 'trend')!.text, /CPU temperature \(system\.cpu_temp\) rose by 11\.2 °C over 15 min/);
  t.notOk(obs.some((o) => o.sources.includes('system.uptime')), 'uptime rising is not a trend');
  t.ok(run.activity >= 1, 'changing sensors');
  t.equal(run.nextIntervalMs, 7.5 * MIN, 'interval halves while sensors change');
});

t.test('when Ollama is down the observer still writes statistical observations, embedded offline', async (t) => {
  const w = await withHistory(t, () => 45.5);
  await w.fake.close();
  const embedder = new FallbackEmbedder(w.embedder, new NgramEmbedder());
  const run = await observer(w, { embedder }).runOnce();
  t.equal(run.method, 'statistical');
  t.equal(run.fallback?.code, 'SMOL_LLM_UNREACHABLE');
  const [o] = await recorded(w);
  t.equal(o!.kind, 'state', 'a quiet window still gives an observation');
  t.match(o!.text, /^Steady over the last 15 min: 2 sources within their usual range/);
  t.equal(o!.embedding.model, NGRAM_MODEL, 'the embedding says which model made it');
  t.equal(run.nextIntervalMs, 22.5 * MIN, 'quiet: the interval grows');
});

t.test('an answer that is not JSON, breaks the schema or cites unknown sources falls back to statistics', async (t) => {
  const answers = [
    'The CPU is fine.',
    JSON.stringify({ observations: [{ text: 'short', kind: 'state', confidence: 2, sources: ['system.cpu_temp'] }] }),
    JSON.stringify({ observations: [{ text: 'The garage door opened twice.', kind: 'state', confidence: 0.9, sources: ['garage.door'] }] }),
    JSON.stringify({ observations: [] }),
  ];
  for (const content of answers) {
    const w = await withHistory(t, () => 45.5);
    w.fake.script({ content });
    const run = await observer(w).runOnce();
    t.equal(run.method, 'statistical', content.slice(0, 30));
    t.equal(run.fallback?.code, 'SMOL_LLM_BAD_OUTPUT');
    const obs = await recorded(w);
    t.ok(obs.length >= 1 && obs.every((o) => o.method === 'statistical'), 'nothing of the bad answer is journaled');
  }
});

t.test('memories the model proposes go to remember', async (t) => {
  const w = await withHistory(t, () => 45.5);
  w.fake.script({ content: JSON.stringify({ observations: [{ text: 'Humidity alternates between 40 and 41 %.', kind: 'pattern', confidence: 0.7, sources: ['room.humidity'] }], memories: [{ text: 'The kitchen CPU idles around 45 °C.', kind: 'fact' }] }) });
  const remembered: string[] = [];
  const run = await observer(w, { remember: async (m) => void remembered.push(m.text) }).runOnce();
  t.equal(run.memories, 1);
  t.same(remembered, ['The kitchen CPU idles around 45 °C.']);
});

t.test('with no readings at all, it says so', async (t) => {
  const w = await fakeOllamaWorld(t);
  const run = await observer(w as never, { llm: undefined, embedder: new NgramEmbedder() }).runOnce();
  t.equal(run.observations, 1);
  const [o] = await recorded(w as never);
  t.match(o!.text, /No sensor readings in the last 15 min/);
});

t.test('sensors changing at their usual pace bring the interval back toward the base', async (t) => {
  const w = await withHistory(t, () => 45.5, (m) => 40 + (m % 2));
  const obs = observer(w, { llm: undefined });
  const run = await obs.runOnce();
  t.ok(run.activity > 0.3 && run.activity < 1, `usual pace (${run.activity.toFixed(2)})`);
  t.equal(run.nextIntervalMs, 15 * MIN);
});

t.test('the interval adapts within bounds and the observer re-arms itself', async (t) => {
  const w = await withHistory(t, () => 45.5);
  const scheduled: number[] = [];
  let fire: (() => void) | undefined;
  const obs = observer(w, {
    llm: undefined, firstDelayMs: 1000,
    schedule: (fn, ms) => {
      scheduled.push(ms);
      fire = fn;
      return () => (fire = undefined);
    },
  });
  obs.start();
  t.same(scheduled, [1000]);
  for (let i = 0; i < 5; i++) {
    const before = scheduled.length;
    fire!();
    // Wait for the run to finish and re-arm (no fixed sleep: CI machines are slow and loaded).
    await waitFor(() => scheduled.length > before, { timeoutMs: 30_000, message: `run ${i + 1} to finish and re-arm` });
  }
  t.same(scheduled, [1000, 22.5 * MIN, 33.75 * MIN, 50.625 * MIN, 60 * MIN, 60 * MIN], 'quiet: longer, up to the maximum');
  await obs.stop();
  t.equal(fire, undefined, 'stop cancels the next run');
});
