/**
 * The least-squares line through calibration points `[raw, true]` (two points: the line through
 * them), as the `calibrate` filter's slope and offset. Throws TypeError for fewer than two points
 * or points that all share one raw value (the config schema refuses those first).
 */
export function fitLinear(points: ReadonlyArray<readonly [number, number]>): { slope: number; offset: number } {
  if (points.length < 2) throw new TypeError('a linear calibration needs at least two points');
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) throw new TypeError('calibration points need at least two different raw values');
  const slope = sxy / sxx;
  return { slope, offset: my - slope * mx };
}
