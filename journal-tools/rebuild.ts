import type { EventRegistry } from '../core/events/registry.js';
import type { Journal } from '../core/journal/journal.js';
import type { Projection } from '../core/projection/projection.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { pollProgress, type ToolProgress } from './progress.js';

/**
 * Drops each projection's state and replays the whole journal into it. Returns events/s per
 * projection. `onProgress` hears each projection's position of the journal's last.
 */
export async function rebuildProjections(
  journal: Journal,
  registry: EventRegistry,
  projections: readonly Projection<any>[],
  onProgress?: ToolProgress,
): Promise<Array<{ name: string; position: number; ms: number }>> {
  const out = [];
  for (const p of projections) {
    const started = performance.now();
    const runner = new ProjectionRunner(journal, p, registry);
    await runner.store.clear();
    await runner.start();
    // The runner has no per-batch callback; its position is read a few times a second instead.
    const report = () => onProgress?.(runner.position, journal.lastPosition(), p.name);
    const stop = onProgress ? pollProgress(report) : () => undefined;
    await runner.caughtUp().finally(stop);
    report();
    await runner.stop();
    out.push({ name: p.name, position: runner.position, ms: Math.round(performance.now() - started) });
  }
  return out;
}
