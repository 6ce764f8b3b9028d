import type { VersionVector } from '../journal/journal.js';

/** A contiguous run of one origin's events, by seq, both ends inclusive. */
export interface SeqRange {
  readonly origin: string;
  readonly from: number;
  readonly to: number;
}

/**
 * What `theirs` lacks of `mine`: per origin, the range (theirs[o], mine[o]]. Origins sorted, so
 * two nodes computing the same difference produce the same segment layout.
 */
export function missingRanges(mine: VersionVector, theirs: VersionVector): SeqRange[] {
  const out: SeqRange[] = [];
  for (const origin of Object.keys(mine).sort()) {
    const have = seqOf(theirs, origin);
    const head = seqOf(mine, origin);
    if (head > have) out.push({ origin, from: have + 1, to: head });
  }
  return out;
}

/** How many events `theirs` lacks of `mine`. */
export function lagOf(mine: VersionVector, theirs: VersionVector): number {
  let n = 0;
  for (const r of missingRanges(mine, theirs)) n += r.to - r.from + 1;
  return n;
}

/** The pointwise maximum of two vectors. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a };
  for (const [o, s] of Object.entries(b)) if (s > seqOf(out, o)) out[o] = s;
  return out;
}

/** True when both vectors hold the same heads (absent = 0). */
export function sameVector(a: VersionVector, b: VersionVector): boolean {
  for (const o of new Set([...Object.keys(a), ...Object.keys(b)])) if (seqOf(a, o) !== seqOf(b, o)) return false;
  return true;
}

/** The seq a vector holds for an origin; 0 when absent. Own-key lookup, so "__proto__" is just a name. */
export function seqOf(v: VersionVector, origin: string): number {
  return Object.hasOwn(v, origin) ? (v[origin] ?? 0) : 0;
}
