import t from 'tap';
import { formatAgo, formatBytes, formatDuration, formatValue, valueParts } from '../ui/src/format.js';
import { estimateIntervalMs, staleSince } from '../ui/src/staleness.js';

t.test('sizes, durations and values in human units', async (t) => {
  t.equal(formatBytes(80_141 * 1024 * 1024), '84 GB');
  t.equal(formatBytes(512), '512 B');
  t.equal(formatValue(80_141, 'MiB'), '84 GB', 'Disk free 80141 MiB');
  t.equal(formatValue(821, 's'), '13 min', 'Uptime 821 s');
  t.equal(formatValue(45, 's'), '45 s');
  t.equal(formatDuration(5 * 3600 + 20 * 60), '5 h 20 min');
  t.equal(formatDuration(3 * 86_400 + 4 * 3600), '3 d 4 h');
  t.same(valueParts(21.5, '°C'), ['21.5', '°C']);
  t.same(valueParts(93.8, '%'), ['93.8', '%']);
  t.equal(formatAgo(1_000_000 - 3 * 60_000, 1_000_000), '3 min. ago');
});

t.test('a source is stale after 3 of its intervals; a lost node makes everything stale', async (t) => {
  const points = [0, 1, 2].map((i) => ({ start: i * 60_000, min: 1, max: 2, mean: 1.5, count: 3 }));
  t.equal(estimateIntervalMs(points), 20_000, '9 readings in 3 minutes: every 20 s');
  t.equal(estimateIntervalMs([]), undefined);
  t.equal(staleSince(100_000, 20_000, 150_000), undefined, '50 s of silence is fine');
  t.equal(staleSince(100_000, 20_000, 170_000), 100_000, '70 s is more than 3 intervals');
  t.equal(staleSince(100_000, 20_000, 110_000, 105_000), 105_000, 'the node is gone');
});
