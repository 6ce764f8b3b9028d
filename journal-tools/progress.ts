/**
 * How a long journal tool reports how far it got: `done` of `total` (undefined when not known),
 * and what it is working on (a projection's name). The CLI draws it as a bar on a terminal.
 */
export type ToolProgress = (done: number, total: number | undefined, what?: string) => void;

/** Calls `report` every `everyMs` until the returned stop is called (for work that has no callback of its own). */
export function pollProgress(report: () => void, everyMs = 200): () => void {
  const timer = setInterval(report, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
