import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { DeviceStatus } from '../adapters/http/routes/api-devices.js';
import { deviceConfig, deviceHarness } from './helpers/device-harness.js';
import { httpNode } from './helpers/http-node.js';
import { tempDir } from './helpers/temp-dir.js';

const LAN = '192.168.1.20';

t.test('GET /api/devices: each device with its platform, sources, last reading and read errors; off loopback only with a token', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'detector.json');
  const clock = { now: Date.now() };
  const { runner } = deviceHarness(
    deviceConfig({
      platform: 'external-json',
      name: 'jetson',
      path: file,
      staleAfterMs: 60_000,
      timestampPath: '$.t',
      values: { people: { path: '$.people', label: 'People in view' }, lux: { path: '$.lux', unit: 'lx', deviceClass: 'illuminance' } },
    }),
    { clock },
  );
  const { app, tokens, sample } = await httpNode(t, { devices: () => [runner] });
  await runner.start();
  writeFileSync(file, JSON.stringify({ t: clock.now, people: 2, lux: 310.5 }));
  await sample(await runner.sample());
  // The detector stops writing lux: a failed read of that source, counted, with its code.
  clock.now += 1000;
  writeFileSync(file, JSON.stringify({ t: clock.now, people: 3 }));
  await sample(await runner.sample());

  const res = await app.inject({ url: '/api/devices' });
  t.equal(res.statusCode, 200);
  const [jetson] = (res.json() as { devices: DeviceStatus[] }).devices;
  t.match(jetson, { name: 'jetson', platform: 'external-json', state: 'failing', problem: { code: 'SMOL_DEVICE_READ_FAILED' } });
  t.same(
    jetson!.sources.map((s) => [s.source, s.label ?? null, s.unit ?? null, s.value ?? null, s.ok, s.failed]),
    [
      ['jetson.people', 'People in view', null, 3, 2, 0],
      ['jetson.lux', null, 'lx', 310.5, 1, 1],
    ],
    'the latest journaled value of each source and its read counts',
  );
  t.equal(jetson!.sources[1]!.lastError?.code, 'SMOL_DEVICE_READ_FAILED');
  t.match(jetson!.errors, { count: 1, last: { source: 'jetson.lux', code: 'SMOL_DEVICE_READ_FAILED', atMs: clock.now } });

  const anon = await app.inject({ url: '/api/devices', remoteAddress: LAN });
  t.equal(anon.statusCode, 401, 'anonymous off loopback is refused');
  t.equal((anon.json() as { error: { code: string } }).error.code, 'SMOL_AUTH_REQUIRED');
  const withToken = await app.inject({ url: '/api/devices', remoteAddress: LAN, headers: { authorization: `Bearer ${tokens.read}` } });
  t.equal(withToken.statusCode, 200, 'the read token may look');
  await runner.close();
});

t.test('GET /api/devices on a node without devices is an empty list', async (t) => {
  const { app } = await httpNode(t);
  t.same((await app.inject({ url: '/api/devices' })).json(), { devices: [] });
});

t.test('a device that could not be made shows as not set up, with why', async (t) => {
  const { runner } = deviceHarness(deviceConfig({ platform: 'w1', name: 'attic' }));
  const { app } = await httpNode(t, { devices: () => [runner] });
  await runner.start();
  const [attic] = (await app.inject({ url: '/api/devices' })).json().devices as DeviceStatus[];
  t.match(attic, { name: 'attic', platform: 'w1', state: 'not-set-up', sources: [], problem: { code: 'SMOL_DEVICE_UNAVAILABLE' } });
  await runner.close();
});
