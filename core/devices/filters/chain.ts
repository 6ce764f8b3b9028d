import type { FilterSpec } from './filter.js';
import { stepStage, type StageState } from './stages.js';

/** The state of one source's chain: one entry per stage, and when the chain last sent a value. */
export interface ChainState {
  readonly stages: readonly StageState[];
  readonly lastSentMs?: number;
}

/** What the chain made of one reading: the value to journal, nothing (held back), or a refusal. */
export interface ChainResult {
  readonly state: ChainState;
  /** The value to journal; undefined when it is held back or refused. */
  readonly out?: number;
  /** Set when a stage refused the value (counted as a failed read). */
  readonly refused?: string;
}

/** The state of a chain before its first value. */
export function initialChain(specs: readonly FilterSpec[]): ChainState {
  return { stages: specs.map(() => undefined) };
}

/**
 * Runs one reading through the chain in order. A stage that holds the value back ends the run;
 * a heartbeat (the shortest listed) then still sends the value as it reached that stage when the
 * chain has sent nothing for its period — "journal at least every N ms". Pure.
 */
export function runChain(specs: readonly FilterSpec[], state: ChainState, value: number, nowMs: number): ChainResult {
  const stages = [...state.stages];
  let heartbeatMs: number | undefined;
  let current = value;
  let held = false;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.kind === 'heartbeat') {
      heartbeatMs = heartbeatMs === undefined ? spec.ms : Math.min(heartbeatMs, spec.ms);
      continue;
    }
    if (held) continue;
    const r = stepStage(spec, stages[i], current, nowMs);
    stages[i] = r.state;
    if (r.refused !== undefined) return { state: { ...state, stages }, refused: r.refused };
    current = r.value;
    if (!r.pass) held = true;
  }
  const beat = held && heartbeatMs !== undefined && (state.lastSentMs === undefined || nowMs - state.lastSentMs >= heartbeatMs);
  if (held && !beat) return { state: { ...state, stages } };
  return { state: { stages, lastSentMs: nowMs }, out: current };
}
