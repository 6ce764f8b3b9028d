import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createSystemSensors, type StatfsLike } from '../adapters/sensors/system-sensors.js';

const STAT_1 = 'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 100 0 100 700 100 0 0 0 0 0\nintr 1\n';
// +300 busy (user 200, system 100), +100 idle, +0 iowait → 75 % busy
const STAT_2 = 'cpu  300 0 200 800 100 0 0 0 0 0\ncpu0 300 0 200 800 100 0 0 0 0 0\nintr 1\n';

const MEMINFO = 'MemTotal:        4000000 kB\nMemFree:          500000 kB\nMemAvailable:    1000000 kB\nBuffers:  10 kB\n';

/** A directory tree for t.testdir: file name → contents, or directory name → subtree. */
interface Tree {
  [name: string]: string | Tree;
}

function thermalZone(type: string, temp: string): Tree {
  return { type: `${type}\n`, temp: `${temp}\n` };
}

function fixture(overrides: { proc?: Tree; thermal?: Tree; cpufreq?: string } = {}): Tree {
  return {
    proc: {
      loadavg: '0.52 0.34 0.21 2/345 6789\n',
      stat: STAT_1,
      meminfo: MEMINFO,
      uptime: '12345.67 40000.00\n',
      ...overrides.proc,
    },
    sys: {
      class: {
        thermal: overrides.thermal ?? {
          thermal_zone0: thermalZone('acpitz', '30000'),
          thermal_zone1: thermalZone('x86_pkg_temp', '48250'),
        },
      },
      devices: { system: { cpu: { cpu0: { cpufreq: { scaling_cur_freq: overrides.cpufreq ?? '1500000\n' } } } } },
    },
  };
}

// 1000 blocks of 4 KiB: 600 used, 400 free of which 300 usable by ordinary users
const STATFS: StatfsLike = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300 };

function sensorsAt(dir: string, statfs: (path: string) => Promise<StatfsLike> = async () => STATFS) {
  return createSystemSensors({ procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), diskPath: '/data', statfs });
}

t.test('every source is read from a complete fixture tree', async (t) => {
  const dir = t.testdir(fixture());
  const sample = await sensorsAt(dir).sample();
  t.same(sample, {
    'system.cpu_temp': 48.3,
    'system.cpu_freq': 1500,
    'system.load_1': 0.52,
    'system.load_5': 0.34,
    'system.load_15': 0.21,
    'system.mem_available': 977,
    'system.mem_used': 75,
    'system.disk_used': 66.7,
    'system.disk_free': 1,
    'system.uptime': 12346,
  });
});

t.test('the same readings always come out in the same key order', async (t) => {
  const dir = t.testdir(fixture());
  const a = await sensorsAt(dir).sample();
  const b = await sensorsAt(dir).sample();
  t.equal(JSON.stringify(a), JSON.stringify(b));
});

t.test('statfs is asked about the data directory', async (t) => {
  const dir = t.testdir(fixture());
  const asked: string[] = [];
  await sensorsAt(dir, async (path) => {
    asked.push(path);
    return STATFS;
  }).sample();
  t.same(asked, ['/data']);
});

t.test('cpu_usage is absent on the first sample and computed from deltas afterwards', async (t) => {
  const dir = t.testdir(fixture());
  const sensors = sensorsAt(dir);
  const first = await sensors.sample();
  t.notOk('system.cpu_usage' in first);
  writeFileSync(join(dir, 'proc', 'stat'), STAT_2);
  const second = await sensors.sample();
  t.equal(second['system.cpu_usage'], 75);
});

t.test('cpu_usage is absent when no time passed or the counters went backwards', async (t) => {
  const dir = t.testdir(fixture());
  const sensors = sensorsAt(dir);
  await sensors.sample();
  t.notOk('system.cpu_usage' in (await sensors.sample()), 'unchanged counters give no rate');
  writeFileSync(join(dir, 'proc', 'stat'), STAT_2);
  await sensors.sample();
  writeFileSync(join(dir, 'proc', 'stat'), STAT_1);
  t.notOk('system.cpu_usage' in (await sensors.sample()), 'counters that went back give no rate');
});

t.test('an unreadable /proc/stat between samples does not bridge the gap', async (t) => {
  const dir = t.testdir(fixture());
  const sensors = sensorsAt(dir);
  await sensors.sample();
  writeFileSync(join(dir, 'proc', 'stat'), 'garbage\n');
  t.notOk('system.cpu_usage' in (await sensors.sample()));
  writeFileSync(join(dir, 'proc', 'stat'), STAT_2);
  t.notOk('system.cpu_usage' in (await sensors.sample()), 'the first good sample after a gap is a new baseline');
});

t.test('a CPU thermal zone is preferred over an earlier zone of another type', async (t) => {
  const dir = t.testdir(
    fixture({ thermal: { thermal_zone0: thermalZone('battery', '25000'), thermal_zone1: thermalZone('cpu-thermal', '51540') } }),
  );
  t.equal((await sensorsAt(dir).sample())['system.cpu_temp'], 51.5);
});

t.test('without a CPU zone the first readable zone in numeric order is used', async (t) => {
  const dir = t.testdir(
    fixture({
      thermal: {
        thermal_zone10: thermalZone('acpitz', '60000'),
        thermal_zone2: thermalZone('acpitz', '42000'),
        thermal_zone1: thermalZone('acpitz', 'not a number'),
      },
    }),
  );
  t.equal((await sensorsAt(dir).sample())['system.cpu_temp'], 42);
});

t.test('an unreadable CPU zone falls back to another readable zone', async (t) => {
  const dir = t.testdir(
    fixture({ thermal: { thermal_zone0: { type: 'x86_pkg_temp\n' }, thermal_zone1: thermalZone('acpitz', '33000') } }),
  );
  t.equal((await sensorsAt(dir).sample())['system.cpu_temp'], 33);
});

t.test('missing or garbled files leave only their own sources absent', async (t) => {
  const dir = t.testdir({
    proc: { loadavg: 'abc def\n', stat: '', meminfo: 'MemTotal: lots\nMemAvailable: 1024 kB\n', uptime: 'NaN 1\n' },
    sys: { class: { thermal: {} }, devices: {} },
  });
  const sensors = sensorsAt(dir);
  await sensors.sample();
  const sample = await sensors.sample();
  t.same(sample, { 'system.mem_available': 1, 'system.disk_used': 66.7, 'system.disk_free': 1 });
});

t.test('a failing statfs leaves only the disk sources absent and does not throw', async (t) => {
  const dir = t.testdir(fixture());
  const sample = await sensorsAt(dir, async () => {
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  }).sample();
  t.notOk('system.disk_used' in sample);
  t.notOk('system.disk_free' in sample);
  t.equal(sample['system.load_1'], 0.52);
  t.equal(sample['system.uptime'], 12346);
});

t.test('NaN and negative numbers are never reported', async (t) => {
  const dir = t.testdir(fixture({ proc: { loadavg: '-1.0 NaN 0.5 1/1 1\n' }, cpufreq: '0\n' }));
  const sample = await sensorsAt(dir, async () => ({ bsize: 4096, blocks: NaN, bfree: NaN, bavail: NaN })).sample();
  t.notOk('system.load_1' in sample);
  t.notOk('system.load_5' in sample);
  t.equal(sample['system.load_15'], 0.5);
  t.notOk('system.cpu_freq' in sample, 'a zero frequency is a broken driver, not a reading');
  t.notOk('system.disk_used' in sample);
  t.notOk('system.disk_free' in sample);
  for (const value of Object.values(sample)) t.ok(Number.isFinite(value));
});

t.test('a completely missing tree gives an empty sample, not zeros', async (t) => {
  const dir = t.testdir({});
  const sensors = sensorsAt(dir, async () => {
    throw new Error('no disk');
  });
  await sensors.sample();
  t.same(await sensors.sample(), {});
});

t.test('sources lists every system source with its unit, a label and simulated false', async (t) => {
  const sources = createSystemSensors({ diskPath: '/' }).sources();
  t.same(
    sources.map((s) => s.source),
    [
      'system.cpu_temp', 'system.cpu_freq', 'system.cpu_usage', 'system.load_1', 'system.load_5',
      'system.load_15', 'system.mem_used', 'system.mem_available', 'system.disk_used',
      'system.disk_free', 'system.uptime',
    ],
  );
  t.equal(sources.find((s) => s.source === 'system.cpu_temp')?.unit, '°C');
  t.equal(sources.find((s) => s.source === 'system.disk_free')?.unit, 'MiB', 'MiB: the value is bytes / 1024²');
  t.ok(sources.every((s) => s.provider === 'system' && s.simulated === false && typeof s.label === 'string'));
});

t.test('on this Linux machine load and memory are present and plausible', async (t) => {
  const sensors = createSystemSensors({ diskPath: tmpdir() });
  const sample = await sensors.sample();
  const load1 = sample['system.load_1'];
  const memUsed = sample['system.mem_used'];
  t.ok(load1 !== undefined && load1 >= 0 && load1 < 10_000, `load_1 ${load1}`);
  t.ok(memUsed !== undefined && memUsed > 0 && memUsed < 100, `mem_used ${memUsed}`);
  const disk = sample['system.disk_used'];
  t.ok(disk !== undefined && disk >= 0 && disk <= 100, `disk_used ${disk}`);
});
