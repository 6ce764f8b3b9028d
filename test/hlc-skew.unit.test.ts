import t from 'tap';
import { HlcClock, encodeHlc, type ClockSkew, type ClockSkewCleared } from '../core/clock/hlc.js';

t.test('skew of a named source is reported once per crossing of maxOffset, and its return under it once', async (t) => {
  let now = 1_000_000;
  const skews: ClockSkew[] = [];
  const cleared: ClockSkewCleared[] = [];
  const clock = new HlcClock({ now: () => now, maxOffsetMs: 500, onSkew: (s) => skews.push(s), onSkewCleared: (c) => cleared.push(c) });
  t.match(clock.observe(encodeHlc(now + 10_000, 0), 'FAST'), { aheadMs: 10_000, source: 'FAST', physical: now }, 'observe returns the skew');
  clock.observe(encodeHlc(now + 20_000, 0), 'FAST');
  clock.observe(encodeHlc(now + 30_000, 0), 'FAST');
  t.equal(skews.length, 1, 'three skewed observations, one report');
  t.match(skews[0], { source: 'FAST', aheadMs: 10_000 });
  t.ok(clock.last < encodeHlc(now + 500, 0), 'not followed');
  clock.observe(encodeHlc(now + 40_000, 0), 'OTHER');
  t.equal(skews.length, 2, 'another source is reported on its own');

  now += 40_000;
  t.equal(clock.observe(encodeHlc(now, 0), 'FAST'), undefined, 'within the limit again');
  t.match(cleared, [{ source: 'FAST' }]);
  clock.observe(encodeHlc(now + 1, 0), 'FAST');
  t.equal(cleared.length, 1, 'cleared once');
  clock.observe(encodeHlc(now + 60_000, 0), 'FAST');
  t.equal(skews.length, 3, 'crossing again is reported again');

  const seeded = new HlcClock({ now: () => now, maxOffsetMs: 500, onSkew: (s) => skews.push(s) });
  seeded.markSkewed('FAST');
  seeded.observe(encodeHlc(now + 60_000, 0), 'FAST');
  t.equal(skews.length, 3, 'a source marked skewed (as stored before a restart) is not reported again');
  seeded.observe(encodeHlc(now + 60_000, 0));
  seeded.observe(encodeHlc(now + 60_000, 0));
  t.equal(skews.length, 5, 'without a source, every skewed observation is reported (as before)');
});
