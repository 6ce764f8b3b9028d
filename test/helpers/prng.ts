/** mulberry32: a seeded PRNG, so test data is the same on every run and a failure names its case. Numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same numbers moved to [-0.5, 0.5), for vector components. */
export function centredRandom(seed: number): () => number {
  const next = prng(seed);
  return () => next() - 0.5;
}

/** Scales a vector to unit length. */
export function unitLength(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
