import t from 'tap';
import { Observer } from '../core/observer/observer.js';
import { NgramEmbedder } from '../core/embeddings/ngram-embedder.js';
import { waitFor } from './helpers/wait-for.js';

// The memory unit asks the observer to wait while pressure is high (ObserverDeps.wait): a round
// due then is skipped, and the next one is scheduled at the usual interval.

t.test('the observer skips its rounds while asked to wait and runs again once it is not', async (t) => {
  const due: Array<() => void> = [];
  const delays: number[] = [];
  let reads = 0;
  let appended = 0;
  let waiting = true;
  const logged: string[] = [];
  const observer = new Observer({
    journal: { append: async (drafts) => void (appended += drafts.length) },
    inputs: {
      series: async () => (reads++, []),
      recentObservations: async () => [],
    },
    embedder: new NgramEmbedder(),
    nodeName: 'pi',
    settings: { intervalMs: 60_000, minIntervalMs: 30_000, maxIntervalMs: 120_000, windowMs: 60_000, maxObservations: 3 },
    schedule: (fn, ms) => {
      due.push(fn);
      delays.push(ms);
      return () => undefined;
    },
    firstDelayMs: 10,
    wait: () => waiting,
    log: (m) => void logged.push(m),
  });
  observer.start();
  t.teardown(() => observer.stop());
  due.shift()!();
  due.shift()!();
  t.equal(reads, 0, 'no round read the sensors while waiting');
  t.equal(appended, 0, 'nothing journaled');
  t.same(delays, [10, 60_000, 60_000], 'each skipped round schedules the next at the interval');
  t.match(logged, [/memory pressure/, /memory pressure/]);
  waiting = false;
  due.shift()!();
  await waitFor(() => appended > 0, { timeoutMs: 5000, message: 'the round after the pressure to journal' });
  t.equal(reads, 1, 'the sensors were read once');
  t.equal(appended, 1, 'one observation (no readings: a state observation)');
});
