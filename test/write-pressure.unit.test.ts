import t from 'tap';
import { WritePressure } from '../adapters/http/write-pressure.js';

t.test('a storm is more appends per second than the threshold, over windows of at least windowMs', async (t) => {
  let now = 0;
  let position = 1000;
  const pressure = new WritePressure({ lastPosition: () => position }, 2000, 100, 1000, () => now);
  t.equal(pressure.storming(), false, 'nothing measured yet');
  now = 100;
  position += 150; // 1,500/s
  t.equal(pressure.storming(), false, 'below the threshold');
  now = 200;
  position += 250; // 2,500/s
  t.equal(pressure.storming(), true, 'above it');
  now = 250;
  position += 0;
  t.equal(pressure.storming(), true, 'within a window the last verdict holds');
  now = 400;
  t.equal(pressure.storming(), false, 'a quiet window ends the storm');
  now = 500;
  position += 201; // 2,010/s
  t.equal(pressure.storming(), true);
});

t.test('after a long silence the first window is not judged: a storm long over does not pause a new client', async (t) => {
  let now = 0;
  let position = 0;
  const pressure = new WritePressure({ lastPosition: () => position }, 2000, 100, 1000, () => now);
  position = 100_000; // a storm while nobody asked
  now = 5_000;
  t.equal(pressure.storming(), false, 'a window of 5 s is stale');
  now = 5_100;
  position += 10; // 100/s now
  t.equal(pressure.storming(), false, 'the rate since then is what counts');
  now = 5_350;
  position += 1000; // 4,000/s over a 250 ms window (a paused caller)
  t.equal(pressure.storming(), true, 'windows as long as a storm pause are judged');
});
