import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import YAML from 'yaml';
import { loadConfig } from '../adapters/config/load-config.js';
import { isSmolError, type SmolError } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

/** Loads a config file holding `sensors.devices: devices`; the config or the SmolError it failed with. */
async function load(t: Test, devices: unknown) {
  const dir = tempDir(t);
  const file = path.join(dir, 'smollama.yaml');
  writeFileSync(file, YAML.stringify({ sensors: { devices } }));
  try {
    return { config: await loadConfig({ cwd: dir, file, env: {}, flags: {} }), file };
  } catch (err) {
    if (!isSmolError(err)) throw err;
    return { error: err as SmolError, file };
  }
}

const json = { platform: 'external-json', name: 'jetson', path: '/run/detector.json', values: { people: '$.counts.person' } };

t.test('a valid device list is parsed with defaults and filters', async (t) => {
  const { config, error } = await load(t, [
    { ...json, filters: [{ median: 3 }, { delta: 0.5 }, { heartbeatMs: 60000 }, { calibrate: [[0, 1], [10, 21]] }] },
    { platform: 'gpio-counter', name: 'rain', pin: 'rain_gauge', multiplier: 0.2794, unit: 'mm', deviceClass: 'precipitation', sourceFilters: { rate: [{ clamp: { min: 0, max: 100 } }] } },
  ]);
  t.equal(error, undefined);
  const [j, r] = config!.sensors.devices;
  t.match(j, { platform: 'external-json', name: 'jetson', staleAfterMs: 30000, path: '/run/detector.json' });
  t.same(j!.filters, [
    { kind: 'median', window: 3, sendEvery: 1 },
    { kind: 'delta', min: 0.5 },
    { kind: 'heartbeat', ms: 60000 },
    { kind: 'calibrate', slope: 2, offset: 1 },
  ]);
  t.match(r, { platform: 'gpio-counter', edge: 'falling', multiplier: 0.2794, sourceFilters: { rate: [{ kind: 'clamp', min: 0, max: 100, drop: false }] } });
  t.ok(Object.isFrozen(r), 'frozen like the rest of the config');
});

t.test('config errors name the device and the key', async (t) => {
  const cases: Array<[string, unknown[], RegExp]> = [
    ['an unknown platform', [json, json, { platform: 'iio2', name: 'attic' }], /config: sensors\.devices\.2\.platform = "iio2" \(from .*smollama\.yaml\): device "attic": unknown platform "iio2" \(known: .*external-json, gpio-counter/],
    ['a missing platform', [{ name: 'attic' }], /sensors\.devices\.0\.platform \(from .*\): device "attic": missing key platform/],
    ['a missing platform key', [{ platform: 'external-json', name: 'attic', values: { a: 'x' } }], /sensors\.devices\.0\.path \(from .*\): device "attic": missing/],
    ['an unknown key', [{ ...json, pathh: '/x' }], /sensors\.devices\.0\.pathh = "\/x" \(from .*\): device "jetson": unknown key for platform external-json \(known: platform, name, .*path/],
    ['a bad name', [{ ...json, name: 'Attic Room' }], /sensors\.devices\.0\.name = "Attic Room" .*: device "Attic Room": expected lowercase/],
    ['a duplicate name', [json, json], /sensors\.devices\.1\.name = "jetson" .*: device "jetson": duplicate name \(also sensors\.devices\[0\]\)/],
    ['a reserved name', [{ ...json, name: 'gpio' }], /sensors\.devices\.0\.name = "gpio" .*: device "gpio": the name "gpio" is taken/],
    ['an unknown filter', [{ ...json, filters: [{ medain: 5 }] }], /sensors\.devices\.0\.filters\.0\.medain = 5 .*: device "jetson": unknown filter "medain" \(known: throttleMs, delta, median/],
    ['a bad filter value', [{ ...json, filters: [{ delta: 0.1 }, { median: { window: 0 } }] }], /sensors\.devices\.0\.filters\.1\.median\.window = 0 .*: device "jetson": filter median: must be at least 1/],
    ['a calibration with one point', [{ ...json, filters: [{ calibrate: [[1, 2]] }] }], /sensors\.devices\.0\.filters\.0\.calibrate .*: device "jetson": filter calibrate: .*at least two/],
    ['a bad JSON path', [{ ...json, values: { people: '$..[' } }], /sensors\.devices\.0\.values\.people .*: device "jetson": expected a JSON path/],
    ['a device that is not a mapping', ['attic'], /sensors\.devices\.0 = "attic" .*: expected a device/],
    ['a bad per-source filter', [{ ...json, sourceFilters: { people: [{ clamp: { min: 5, max: 1 } }] } }], /sensors\.devices\.0\.sourceFilters\.people\.0\.clamp .*: device "jetson": filter clamp: min must not be above max/],
    ['a pulse counter without a pin', [{ platform: 'gpio-counter', name: 'rain' }], /sensors\.devices\.0\.pin \(from .*\): device "rain": missing/],
  ];
  for (const [what, devices, expected] of cases) {
    const { error } = await load(t, devices);
    t.equal(error?.code, 'SMOL_CONFIG_INVALID', `${what}: a config error`);
    t.match(error?.message, expected, what);
  }
});

t.test('every problem of every device is reported at once', async (t) => {
  const { error } = await load(t, [{ platform: 'nope', name: 'a' }, { ...json, name: 'b', staleAfterMs: 5 }]);
  const lines = error!.message.split('\n');
  t.equal(lines.length, 2);
  t.match(lines[1], /sensors\.devices\.1\.staleAfterMs = 5 .*device "b": must be at least 100/);
});
