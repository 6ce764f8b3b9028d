import type { Classification } from './vision-port.js';

/**
 * `vision.classified` is written when the top-k set of labels of a camera changes, not when the
 * scores drift: a kitchen stays "kitchen, dining table, refrigerator" through a thousand frames.
 */

export interface ClassificationState {
  /** The labels last reported (sorted), undefined before the first report. */
  readonly labels?: readonly string[];
}

export interface ClassificationResult {
  readonly state: ClassificationState;
  /** The top-k to report, or undefined when the set did not change. */
  readonly report?: readonly Classification[];
}

/** The top-k classes of a frame (best first), those under minScore left out; reported on a change of the set. */
export function classificationChanged(state: ClassificationState, top: readonly Classification[], topK: number, minScore: number): ClassificationResult {
  const kept = [...top].filter((c) => c.score >= minScore).sort((a, b) => b.score - a.score).slice(0, topK);
  if (kept.length === 0) return { state };
  const labels = kept.map((c) => c.label).sort();
  const before = state.labels;
  if (before && before.length === labels.length && before.every((l, i) => l === labels[i])) return { state };
  return { state: { labels }, report: kept };
}
