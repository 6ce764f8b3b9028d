import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { createHwmonDevice, createIioDevice, createW1Device } from '../adapters/devices/sysfs/sysfs-platforms.js';
import { discoverSysfsDevices } from '../adapters/devices/sysfs/discover.js';
import { parseW1Slave } from '../adapters/devices/sysfs/w1.js';
import { iioChannels } from '../adapters/devices/sysfs/iio.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('a DHT11 (dtoverlay=dht11) is read from in_temp_input and in_humidityrelative_input, in °C and %', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'dht11', { in_temp_input: '21000', in_humidityrelative_input: '45000' }, 'platform/dht11@4');
  const dev = createIioDevice({ name: 'hall', device: 'dht11', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await dev.sample(), { 'hall.temperature': 21, 'hall.humidity': 45 });
  t.same(
    dev.sources().map((s) => [s.source, s.unit, s.deviceClass, s.platform]),
    [
      ['hall.humidity', '%', 'humidity', 'iio'],
      ['hall.temperature', '°C', 'temperature', 'iio'],
    ],
  );
});

t.test('a DHT11 that fails its checksum every third read (EIO) is absent on those reads, counted, and read again after', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'dht11', { in_temp_input: '21000' });
  sys.failEvery('in_temp_input', 3, 'EIO');
  const failures: string[] = [];
  const dev = createIioDevice({ name: 'hall', device: 'dht11', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files, onFailure: (_s, e) => failures.push(e.code) });
  const samples = [];
  for (let i = 0; i < 6; i++) samples.push(await dev.sample());
  t.same(samples, [{ 'hall.temperature': 21 }, { 'hall.temperature': 21 }, {}, { 'hall.temperature': 21 }, { 'hall.temperature': 21 }, {}]);
  t.same(failures, [ErrorCodes.DEVICE_READ_FAILED, ErrorCodes.DEVICE_READ_FAILED]);
  const s = dev.stats().get('hall.temperature');
  t.equal(s?.ok, 4);
  t.equal(s?.failed, 2);
  t.equal(s?.lastError?.code, ErrorCodes.DEVICE_READ_FAILED, 'the latest read failed: its error is shown');
  await dev.sample();
  t.equal(dev.stats().get('hall.temperature')?.lastError, undefined, 'a good read clears it');
});

t.test('a BME280 in raw form is (raw + offset) * scale, per channel or shared, and pressure is shown in hPa', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(1, 'bme280', {
    in_temp_raw: '2150',
    in_temp_scale: '10.000000',
    in_temp_offset: '0',
    in_pressure_input: '101.325000',
    in_humidityrelative_raw: '48560',
    in_humidityrelative_scale: '1.000000',
  });
  const dev = createIioDevice({ name: 'attic', device: 'bme280', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  const v = await dev.sample();
  t.equal(v['attic.temperature'], 21.5);
  t.equal(v['attic.humidity'], 48.56);
  t.equal(v['attic.pressure'], 1013.25);
});

t.test('an ADC channel uses the shared in_voltage_scale; an _input wins over the _raw of the same channel', async (t) => {
  t.same(
    iioChannels(['in_voltage0_raw', 'in_voltage1_raw', 'in_voltage_scale', 'in_temp_raw', 'in_temp_input', 'name', 'sampling_frequency']).map((c) => [c.key, c.file, c.scaleFiles]),
    [
      ['temperature', 'in_temp_input', []],
      ['voltage0', 'in_voltage0_raw', ['in_voltage_scale']],
      ['voltage1', 'in_voltage1_raw', ['in_voltage_scale']],
    ],
  );
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'ads1015', { in_voltage0_raw: '1650', in_voltage_scale: '2.000000' });
  const dev = createIioDevice({ name: 'adc', device: 'ads1015', intervalMs: 5000, channels: ['voltage0'] }, { sysRoot: sys.root, files: sys.files });
  t.same(await dev.sample(), { 'adc.voltage0': 3.3 }, '1650 × 2 mV = 3.3 V');
});

t.test('an HC-SR04 (dtoverlay=hcsr04) distance in metres; an out-of-range or non-numeric raw value is refused, never journaled', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'hcsr04', { in_distance_raw: '1234', in_distance_scale: '0.001000' });
  const dev = createIioDevice({ name: 'tank', device: 'hcsr04', intervalMs: 1000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await dev.sample(), { 'tank.distance': 1.234 });
  sys.setIio(0, 'in_distance_raw', '99999999');
  t.same(await dev.sample(), {}, 'out of range: absent');
  sys.setIio(0, 'in_distance_raw', 'garbage');
  t.same(await dev.sample(), {}, 'not a number: absent');
  sys.setIio(0, 'in_distance_raw', '12.5');
  t.same(await dev.sample(), {}, 'a _raw value must be an integer');
  t.equal(dev.stats().get('tank.distance')?.failed, 3);
  sys.setIio(0, 'in_distance_raw', '500');
  t.same(await dev.sample(), { 'tank.distance': 0.5 }, 'recovers when it reads sanely again');
});

t.test('an IIO device that is unplugged is absent, and read again when it comes back as another iio:deviceN', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'dht11', { in_temp_input: '20000' });
  const errors: string[] = [];
  const dev = createIioDevice({ name: 'hall', device: 'dht11', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files, onFailure: (_s, e) => errors.push(e.code) });
  t.same(await dev.sample(), { 'hall.temperature': 20 });
  sys.removeIio(0);
  t.same(await dev.sample(), {});
  t.same(await dev.sample(), {});
  t.same(errors, [ErrorCodes.DEVICE_UNAVAILABLE, ErrorCodes.DEVICE_UNAVAILABLE]);
  sys.iio(3, 'dht11', { in_temp_input: '22000' }, 'platform/dht11@17');
  t.same(await dev.sample(), { 'hall.temperature': 22 });
});

t.test('a DS18B20: a good read, then 85 °C (power-on reset), -127 °C and a CRC failure are refused, and it recovers', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.w1('28-00000abcdef0', 23125);
  const dev = createW1Device({ name: 'tank', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await dev.sample(), { 'tank.temperature': 23.125 });
  for (const [milli, crc] of [
    [85000, true],
    [-127000, true],
    [23125, false],
  ] as const) {
    sys.setW1('28-00000abcdef0', milli, crc);
    t.same(await dev.sample(), {}, `t=${milli} crc ${crc ? 'YES' : 'NO'} is refused`);
  }
  t.equal(dev.stats().get('tank.temperature')?.failed, 3);
  sys.setW1('28-00000abcdef0', -5500);
  t.same(await dev.sample(), { 'tank.temperature': -5.5 });
  t.throws(() => parseW1Slave('w1_slave', 'garbage'), { code: ErrorCodes.DEVICE_READ_FAILED });
});

t.test('a 1-Wire sensor named by serial is read after a replug; with two sensors and no id, the device says to set one', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.w1('28-00000abcdef0', 20000);
  const byId = createW1Device({ name: 'tank', id: '28-00000abcdef0', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await byId.sample(), { 'tank.temperature': 20 });
  sys.removeW1('28-00000abcdef0');
  t.same(await byId.sample(), {});
  t.equal(byId.stats().get('tank.temperature')?.lastError?.code, ErrorCodes.DEVICE_UNAVAILABLE);
  sys.w1('28-00000abcdef0', 21000);
  t.same(await byId.sample(), { 'tank.temperature': 21 });
  sys.w1('28-0000000000aa', 19000);
  const unnamed = createW1Device({ name: 'other', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await unnamed.sample(), {});
  t.match(unnamed.stats().get('other.temperature')?.lastError?.message ?? '', /several 1-Wire sensors/);
});

t.test('hwmon chips are found by name and labelled channels keep their labels, in °C, V and rpm', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.hwmon(0, 'cpu_thermal', { temp1_input: '48312' });
  sys.hwmon(1, 'pwmfan', { fan1_input: '3200', pwm1: '128' }, 'platform/pwm-fan');
  sys.hwmon(2, 'ina219', { in0_input: '5020', in0_label: 'vbus', curr1_input: '450', power1_input: '2250000' }, 'platform/i2c/1-0040');
  const cpu = createHwmonDevice({ name: 'soc', chip: 'cpu_thermal', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await cpu.sample(), { 'soc.temperature1': 48.312 });
  const fan = createHwmonDevice({ name: 'fan', chip: 'pwmfan', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await fan.sample(), { 'fan.fan1': 3200 });
  const ina = createHwmonDevice({ name: 'supply', chip: 'ina219', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await ina.sample(), { 'supply.voltage_vbus': 5.02, 'supply.current1': 0.45, 'supply.power1': 2.25 });
  t.same(ina.sources().find((s) => s.source === 'supply.voltage_vbus')?.label, 'vbus');
  sys.failEvery('temp1_input', 1, 'ENODATA');
  t.same(await cpu.sample(), {}, 'ENODATA (no value yet) is absent');
  const missing = createHwmonDevice({ name: 'x', chip: 'nope', intervalMs: 5000 }, { sysRoot: sys.root, files: sys.files });
  t.same(await missing.sample(), {});
  t.equal(missing.stats().get('x.device')?.lastError?.code, ErrorCodes.DEVICE_UNAVAILABLE);
});

t.test('a configured channel the device does not have is reported, not silently empty', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'bme280', { in_temp_input: '20000' });
  const dev = createIioDevice({ name: 'attic', device: 'bme280', intervalMs: 5000, channels: ['temperature', 'humidity'] }, { sysRoot: sys.root, files: sys.files });
  t.same(await dev.sample(), {});
  t.match(dev.stats().get('attic.humidity')?.lastError?.message ?? '', /no channel humidity/);
});

t.test('discovery lists every IIO device, 1-Wire sensor and hwmon chip with units, classes and a config entry', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'bme280', { in_temp_input: '20000', in_pressure_input: '100', in_humidityrelative_input: '40000' });
  sys.iio(1, 'bme280', { in_temp_input: '21000' }, 'platform/i2c/1-0077');
  sys.w1('28-00000abcdef0', 20000);
  sys.hwmon(0, 'cpu_thermal', { temp1_input: '48312' });
  const found = await discoverSysfsDevices(sys.root, sys.files);
  t.same(
    found.map((d) => [d.platform, d.id, d.config]),
    [
      ['iio', 'iio:device0', { platform: 'iio', name: 'bme280', device: 'bme280' }],
      ['iio', 'iio:device1', { platform: 'iio', name: 'bme280_2', device: 'bme280', index: 1 }],
      ['w1', '28-00000abcdef0', { platform: 'w1', name: 'temp_def0', id: '28-00000abcdef0' }],
      ['hwmon', 'hwmon0', { platform: 'hwmon', name: 'cpu_thermal', chip: 'cpu_thermal' }],
    ],
  );
  t.same(found[0]?.channels.find((c) => c.key === 'pressure'), { key: 'pressure', unit: 'hPa', deviceClass: 'pressure' });
  t.same(await discoverSysfsDevices(tempDir(t)), [], 'a machine without these buses has none');
});
