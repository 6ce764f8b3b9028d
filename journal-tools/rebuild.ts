import type { EventRegistry } from '../core/events/registry.js';
import type { Journal } from '../core/journal/journal.js';
import type { Projection } from '../core/projection/projection.js';
import { ProjectionRunner } from '../core/projection/runner.js';

/** Drops each projection's state and replays the whole journal into it. Returns events/s per projection. */
export async function rebuildProjections(
  journal: Journal,
  registry: EventRegistry,
  projections: readonly Projection<any>[],
): Promise<Array<{ name: string; position: number; ms: number }>> {
  const out = [];
  for (const p of projections) {
    const started = performance.now();
    const runner = new ProjectionRunner(journal, p, registry);
    await runner.store.clear();
    await runner.start();
    await runner.caughtUp();
    await runner.stop();
    out.push({ name: p.name, position: runner.position, ms: Math.round(performance.now() - started) });
  }
  return out;
}
