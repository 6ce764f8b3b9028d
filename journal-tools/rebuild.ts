import type { EventRegistry } from '../core/events/registry.js';
import type { Journal } from '../core/journal/journal.js';
import type { Projection } from '../core/projection/projection.js';
import { ProjectionGroup } from '../core/projection/group.js';
import { ProjectionRunner, type RunnerOptions } from '../core/projection/runner.js';
import { pollProgress, type ToolProgress } from './progress.js';

/**
 * Drops each projection's state and replays the journal into all of them in ONE pass (one
 * subscription feeding every projection, committing every `commitEvery` events, so memory does
 * not grow with the journal). Returns each projection's position and the pass's time.
 * `onProgress` hears the pass's position of the journal's last.
 */
export async function rebuildProjections(
  journal: Journal,
  registry: EventRegistry,
  projections: readonly Projection<any>[],
  onProgress?: ToolProgress,
  options: RunnerOptions = {},
): Promise<Array<{ name: string; position: number; ms: number }>> {
  const started = performance.now();
  const runners = projections.map((p) => new ProjectionRunner(journal, p, registry, options));
  for (const r of runners) await r.reset();
  const group = new ProjectionGroup(journal, runners);
  await group.start();
  // One pass for all of them, so one bar (the names are in the result).
  const what = 'projections';
  // The group has no per-batch callback for tools; its position is read a few times a second instead.
  const report = () => onProgress?.(group.position, journal.lastPosition(), what);
  const stop = onProgress ? pollProgress(report) : () => undefined;
  try {
    await group.caughtUp();
    report();
  } finally {
    stop();
    await group.stop();
  }
  const ms = Math.round(performance.now() - started);
  return runners.map((r) => ({ name: r.projection.name, position: r.position, ms }));
}
