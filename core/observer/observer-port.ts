/** What the observer reads: rollups of this node's series and its recent observations. */

/** One minute or hour bucket of a series. */
export interface RollupPoint {
  readonly start: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

export interface SeriesSnapshot {
  readonly source: string;
  readonly label: string | null;
  readonly unit: string | null;
  /** Device class of a YAML-declared device's source (temperature, occupancy, …). */
  readonly deviceClass?: string | null;
  /** 0/1 values: the window's mean is the fraction of the time it was on. */
  readonly binary?: boolean;
  readonly simulated: boolean;
  readonly latest: number | null;
  readonly latestAt: number | null;
  /** Minute buckets in the observation window. */
  readonly window: readonly RollupPoint[];
  /** Hour buckets before the window (the baseline, up to a day). */
  readonly baseline: readonly RollupPoint[];
}

export interface RecentObservation {
  readonly text: string;
  readonly kind: string;
  readonly method: 'llm' | 'statistical' | 'vision-llm';
  readonly at: number;
}

/** An object a camera of this node tracked (the vision projection), for the prompt's "recent detections". */
export interface RecentDetection {
  readonly camera: string;
  readonly label: string;
  readonly zones: readonly string[];
  readonly startedAtMs: number;
  /** Absent while it is still there. */
  readonly endedAtMs?: number;
}

export interface ObserverInputs {
  /** This node's series: minute buckets in [from, to), hour buckets in [baselineFrom, from). */
  series(query: { from: number; to: number; baselineFrom: number }): Promise<SeriesSnapshot[]>;
  /** This node's newest observations, newest first. */
  recentObservations(limit: number): Promise<RecentObservation[]>;
  /** This node's camera detections seen or ended since `sinceMs`, newest first; absent = no vision. */
  recentDetections?(sinceMs: number, limit: number): Promise<RecentDetection[]>;
}
