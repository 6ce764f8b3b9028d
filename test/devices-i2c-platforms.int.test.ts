import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { devicesList } from '../adapters/devices/device-config.js';
import { platformNamed } from '../adapters/devices/platforms.js';
import type { DeviceContext } from '../adapters/devices/platform.js';
import { FakeBh1750, FakeI2cBus, FakeSht31 } from './helpers/fake-i2c-chips.js';

/** A device context as the framework gives it, with the read recorder's calls kept. */
function context(name: string, bus: FakeI2cBus) {
  const reads: string[] = [];
  const ctx: DeviceContext = {
    name,
    now: () => 0,
    timers: { setInterval: () => 0, clearInterval: () => undefined, delay: async () => undefined },
    dataDir: '/nonexistent',
    sysRoot: '/nonexistent',
    i2cBus: async () => bus,
    sourceId: (channel) => `${name}.${channel}`,
    reads: { ok: (s) => void reads.push(`ok ${s}`), fail: (s, code) => void reads.push(`fail ${s} ${code}`), stats: () => new Map() },
    edges: undefined,
    lastValue: async () => undefined,
    log: () => undefined,
  };
  return { ctx, reads };
}

t.test('i2c-sht31 and i2c-bh1750 devices read through the bus, with units and classes; a chip that stops answering is absent and counted', async (t) => {
  const [sht, light] = devicesList.parse([
    { platform: 'i2c-sht31', name: 'greenhouse' },
    { platform: 'i2c-bh1750', name: 'window', address: 0x5c },
  ]);
  const bus = new FakeI2cBus();
  bus.chips.set(0x44, new FakeSht31(24, 61.5));
  bus.chips.set(0x5c, new FakeBh1750(1200));
  const a = context('greenhouse', bus);
  const dev = await platformNamed('i2c-sht31')!.create(sht!, a.ctx);
  t.same(await dev.sample(), { 'greenhouse.temperature': 24, 'greenhouse.humidity': 61.5 });
  t.same(dev.sources().map((s) => [s.source, s.unit, s.deviceClass]), [
    ['greenhouse.temperature', '°C', 'temperature'],
    ['greenhouse.humidity', '%', 'humidity'],
  ]);
  bus.silent.add(0x44);
  t.same(await dev.sample(), {}, 'no acknowledge: absent');
  t.same(a.reads.slice(-2), [`fail greenhouse.temperature ${ErrorCodes.I2C_NO_ACK}`, `fail greenhouse.humidity ${ErrorCodes.I2C_NO_ACK}`]);
  bus.silent.delete(0x44);
  t.same(Object.keys(await dev.sample()), ['greenhouse.temperature', 'greenhouse.humidity'], 'recovers by itself');

  const b = context('window', bus);
  const lux = await platformNamed('i2c-bh1750')!.create(light!, b.ctx);
  t.same(await lux.sample(), { 'window.illuminance': 1000 });
});

t.test('an I2C device with an address its chip cannot have, or an iio device without device or id, is a config error naming the key', async (t) => {
  const bad = devicesList.safeParse([
    { platform: 'i2c-sht31', name: 'a', address: 0x40 },
    { platform: 'iio', name: 'b' },
    { platform: 'w1', name: 'c', id: 'not-a-serial' },
  ]);
  t.notOk(bad.success);
  const text = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  t.match(text, /0\.address/);
  t.match(text, /1\.device/);
  t.match(text, /2\.id/);
});
