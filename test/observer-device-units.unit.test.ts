import t from 'tap';
import '../core/events/core-events.js'; // agent-events (through the prompt) augments it: load it first
import { observerMessages } from '../core/observer/prompt.js';
import { seriesStats } from '../core/observer/statistics.js';
import type { SeriesSnapshot } from '../core/observer/observer-port.js';

const at = 1_764_590_400_000;
const snapshot = (source: string, extra: Partial<SeriesSnapshot>, values: number[]): SeriesSnapshot => ({
  source, label: null, unit: null, simulated: false, latest: values.at(-1) ?? null, latestAt: at,
  window: values.map((v, i) => ({ start: at - (values.length - i) * 60_000, min: v, max: v, mean: v, count: 1 })),
  baseline: [],
  ...extra,
});

t.test("the observer's prompt shows each source's unit, a class its id does not say, and 0/1 for binary sources", async (t) => {
  const stats = [
    snapshot('attic.temperature', { unit: '°C', deviceClass: 'temperature' }, [20, 21]),
    snapshot('rain.total', { unit: 'mm', deviceClass: 'precipitation' }, [1, 1.5]),
    snapshot('hall.contact', { deviceClass: 'door', binary: true }, [0, 1]),
    snapshot('system.load_1', {}, [0.5, 0.7]),
  ].map((s) => seriesStats(s)!);
  const user = observerMessages({ nodeName: 'kitchen', now: at, windowMinutes: 30, stats, silent: [], recent: [], maxObservations: 3 }).at(-1)!.content;
  t.match(user, /^attic\.temperature \[°C\]: 21 /m, 'the class is in the id already: only the unit');
  t.match(user, /^rain\.total \[mm precipitation\]: 1\.5 /m);
  t.match(user, /^hall\.contact \[0\/1 door\]: 1 /m);
  t.match(user, /^system\.load_1: 0\.7 /m, 'nothing for a source without unit or class');
});
