import t from 'tap';
import { HlcClock, decodeHlc, encodeHlc, hlcToIso, isHlc } from '../core/clock/hlc.js';

t.test('timestamps sort as strings in time order and round-trip', async (t) => {
  const a = encodeHlc(1_763_725_489_123, 0);
  const b = encodeHlc(1_763_725_489_123, 1);
  const c = encodeHlc(1_763_725_489_124, 0);
  t.ok(a < b && b < c);
  t.same(decodeHlc(b), { wall: 1_763_725_489_123, counter: 1 });
  t.ok(isHlc(a));
  t.notOk(isHlc('xyz'));
  t.equal(hlcToIso(b), '2025-11-21T11:44:49.123Z+1');
});

t.test('tick is strictly monotonic when physical time stands still or goes back', async (t) => {
  let now = 10_000;
  const jumps: string[] = [];
  const clock = new HlcClock({ now: () => now, onJump: (j) => jumps.push(`${j.kind}:${j.from}->${j.to}`) });
  const seen = [clock.tick(), clock.tick()];
  now = 5_000;
  seen.push(clock.tick(), clock.tick());
  now = 20_000;
  seen.push(clock.tick());
  for (let i = 1; i < seen.length; i++) t.ok(seen[i]! > seen[i - 1]!, `${seen[i]} > ${seen[i - 1]}`);
  t.same(jumps, ['backward:10000->5000']);
  t.equal(decodeHlc(seen[4]!).wall, 20_000, 'it follows physical time again once that is ahead');
});

t.test('a large forward jump is reported and followed', async (t) => {
  let now = 0; // a Pi without RTC boots at 1970 …
  const jumps: string[] = [];
  const clock = new HlcClock({ now: () => now, onJump: (j) => jumps.push(j.kind) });
  clock.tick();
  now = Date.UTC(2026, 10, 21); // … then NTP sets the time
  const after = clock.tick();
  t.same(jumps, ['forward']);
  t.equal(decodeHlc(after).wall, now);
});

t.test('the counter carries into the wall time instead of overflowing', async (t) => {
  const clock = new HlcClock({ now: () => 1000, floor: encodeHlc(1000, 0xfffe) });
  const a = clock.tick();
  const b = clock.tick();
  t.same(decodeHlc(a), { wall: 1000, counter: 0xffff });
  t.same(decodeHlc(b), { wall: 1001, counter: 0 });
});

t.test('observing a remote merges it unless it is more than maxOffset ahead', async (t) => {
  const skews: number[] = [];
  const clock = new HlcClock({ now: () => 1000, maxOffsetMs: 500, onSkew: (s) => skews.push(s.aheadMs) });
  clock.observe(encodeHlc(1200, 5));
  t.same(decodeHlc(clock.last), { wall: 1200, counter: 6 });
  t.ok(clock.tick() > encodeHlc(1200, 5), 'later local events sort after the remote one');
  clock.observe(encodeHlc(900_000, 0));
  t.same(skews, [899_000]);
  t.equal(decodeHlc(clock.last).wall, 1200, 'the far-future remote did not move the clock');
});
