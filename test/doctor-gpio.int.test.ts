import t from 'tap';
import type { Test } from 'tap';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../adapters/config/load-config.js';
import { checkGpio } from '../adapters/cli/doctor/gpio-check.js';
import { ErrorCodes } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

// doctor's GPIO check on a Pi 5 through the GPIO character device: a /dev tree laid out like the
// kernel's and a stand-in gpiodetect printing what the real one prints on a Pi 5.

const config = (cwd: string, set: string[] = []) => loadConfig({ cwd, env: {}, flags: { set } });

function world(t: Test, detect: string) {
  const root = tempDir(t);
  const dev = join(root, 'dev');
  const tools = join(root, 'bin');
  mkdirSync(dev);
  mkdirSync(tools);
  for (const c of ['gpiochip0', 'gpiochip10']) writeFileSync(join(dev, c), '');
  const model = join(root, 'model');
  writeFileSync(model, 'Raspberry Pi 5 Model B Rev 1.0\0');
  const gpiodetect = join(tools, 'gpiodetect');
  writeFileSync(gpiodetect, `#!/bin/sh\nif [ "$1" = --version ]; then echo 'gpiodetect (libgpiod) v1.6.3'; exit 0; fi\nprintf '${detect}'\n`);
  chmodSync(gpiodetect, 0o755);
  return { root, dev, model, tools };
}

t.test('on a Pi 5 auto picks the character device on pinctrl-rp1 and says so', async (t) => {
  const w = world(t, 'gpiochip0 [pinctrl-rp1] (54 lines)\\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\\n');
  const check = await checkGpio(await config(w.root), { model: w.model, dev: w.dev, gpiodTools: w.tools });
  t.equal(check.status, 'ok');
  t.match(check.message, 'hardware through the GPIO character device: gpiochip0 [pinctrl-rp1], 54 lines, gpiod tools v1.6.3');
  const byLabel = await checkGpio(await config(w.root, ['sensors.gpio.chip=gpio-brcmstb@107d508500']), { model: w.model, dev: w.dev, gpiodTools: w.tools });
  t.match(byLabel.message, 'gpiochip10 [gpio-brcmstb@107d508500]', 'a chip chosen by label');
});

t.test('on a Pi 5 without the gpiod tools, auto warns and says what to install', async (t) => {
  const w = world(t, '');
  const check = await checkGpio(await config(w.root), { model: w.model, dev: w.dev, gpiodTools: join(w.root, 'nowhere') });
  t.equal(check.status, 'warn');
  t.equal(check.code, ErrorCodes.SENSOR_UNAVAILABLE);
  t.match(check.message, /rpio: .*RP1.*; chardev: the gpiod tools are not installed/);
  t.match(check.remedy, 'sudo apt install gpiod');
  const hw = await checkGpio(await config(w.root, ['sensors.gpio.mode=hardware', 'sensors.gpio.backend=chardev']), { model: w.model, dev: w.dev, gpiodTools: join(w.root, 'nowhere') });
  t.equal(hw.status, 'fail');
});

t.test('a chip that is not a Pi header is never picked by auto', async (t) => {
  const w = world(t, 'gpiochip0 [INT34C6:00] (360 lines)\\n');
  const check = await checkGpio(await config(w.root), { model: join(w.root, 'no-model'), dev: w.dev, gpiodTools: w.tools });
  t.equal(check.status, 'ok');
  t.match(check.message, /auto picks the simulation .*chardev: no chip of a Raspberry Pi header \(gpiodetect: gpiochip0 \[INT34C6:00\]\); set sensors\.gpio\.chip/);
  const named = await checkGpio(await config(w.root, ['sensors.gpio.chip=gpiochip0']), { model: join(w.root, 'no-model'), dev: w.dev, gpiodTools: w.tools });
  t.match(named.message, 'gpiochip0 [INT34C6:00]', 'named, it is used');
});
