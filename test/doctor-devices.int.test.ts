import t from 'tap';
import { configSchema } from '../adapters/config/schema.js';
import { checkConfiguredDevices, checkKernelDevices } from '../adapters/cli/doctor/devices-check.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('doctor lists the kernel sensors with the YAML that reads them, and reads each configured one once', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  sys.iio(0, 'dht11', { in_temp_input: '21000', in_humidityrelative_input: '40000' });
  sys.w1('28-00000abcdef0', 85000);
  const config = configSchema.parse({
    dataDir: '/nonexistent',
    sensors: {
      sysRoot: sys.root,
      devices: [
        { platform: 'iio', name: 'hall', device: 'dht11' },
        { platform: 'w1', name: 'tank' },
        { platform: 'hwmon', name: 'fan', chip: 'pwmfan' },
      ],
    },
  });
  const found = await checkKernelDevices(config, sys.files);
  t.equal(found.status, 'ok');
  t.match(found.message, /iio:device0 dht11: humidity %, temperature °C → \{ platform: iio, name: dht11, device: dht11 \}/);
  t.match(found.message, /28-00000abcdef0/);
  const checks = await checkConfiguredDevices(config, sys.files);
  t.same(checks.map((c) => [c.name, c.status]), [
    ['device hall', 'ok'],
    ['device tank', 'warn'],
    ['device fan', 'warn'],
  ]);
  t.match(checks[0]!.message, /hall.temperature 21 °C/);
  t.match(checks[1]!.message, /power-on reset/);
  t.equal(checks[2]!.code, 'SMOL_DEVICE_UNAVAILABLE');
  const none = await checkKernelDevices(configSchema.parse({ dataDir: '/nonexistent', sensors: { sysRoot: tempDir(t) } }));
  t.match(none.message, /^none under/);
});
