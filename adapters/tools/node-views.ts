import type { Journal } from '../../core/journal/journal.js';
import type { ProjectionRunner } from '../../core/projection/runner.js';

/** What the agent's ports read from a node: its journal and its projection runners (SmolNode has both). */
export interface NodeViews {
  readonly journal: Journal;
  runner<S>(name: string): ProjectionRunner<S>;
}

/**
 * Waits until a projection has applied everything journaled so far, so a read right after a write
 * sees it. No commit is needed: `runner.store` shows the records applied but not yet committed.
 */
export async function settled<S>(runner: ProjectionRunner<S>, position?: number): Promise<ProjectionRunner<S>> {
  await runner.caughtUp(position);
  return runner;
}
