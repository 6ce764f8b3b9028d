import t from 'tap';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../adapters/config/load-config.js';
import { checkClock, checkGpio, checkNodeVersion, NODE_REMEDY } from '../adapters/cli/doctor/system-checks.js';
import { ErrorCodes } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

// The doctor's system checks against directory trees laid out like the kernel's (/proc/device-tree,
// /dev) and a stand-in timedatectl, so a laptop and CI see what a Pi would.

const config = (cwd: string, set: string[] = []) => loadConfig({ cwd, env: {}, flags: { set } });

t.test('Node.js older than 20 fails with the one supported upgrade; 20 and later are ok', async (t) => {
  const old = checkNodeVersion('18.19.0');
  t.equal(old.status, 'fail');
  t.equal(old.remedy, NODE_REMEDY);
  t.match(old.remedy, /nodesource/i);
  t.equal(checkNodeVersion('20.0.0').status, 'ok');
  t.equal(checkNodeVersion('22.3.1').status, 'ok');
});

t.test('GPIO: what mode auto or hardware picks on a Pi, a Pi 5 and a laptop', async (t) => {
  const root = tempDir(t);
  const dev = join(root, 'dev');
  mkdirSync(dev);
  writeFileSync(join(dev, 'gpiochip0'), '');
  writeFileSync(join(dev, 'gpiomem'), '');
  const model = (name: string) => {
    const p = join(root, `model-${name.length}`);
    writeFileSync(p, `${name}\0`);
    return p;
  };
  const auto = await config(root);
  const pi4 = await checkGpio(auto, { model: model('Raspberry Pi 4 Model B Rev 1.4'), dev });
  t.equal(pi4.status, 'ok');
  t.match(pi4.message, /hardware \(Raspberry Pi 4 Model B Rev 1\.4, .*gpiomem read\/write; .*gpiochip0 present\)/);

  const pi5 = await checkGpio(auto, { model: model('Raspberry Pi 5 Model B Rev 1.0'), dev });
  t.equal(pi5.status, 'warn', 'auto simulating on a Pi is a surprise');
  t.match(pi5.message, /RP1/);
  t.equal(pi5.code, ErrorCodes.SENSOR_UNAVAILABLE);

  const laptop = await checkGpio(auto, { model: join(root, 'no-such-model'), dev });
  t.equal(laptop.status, 'ok', 'simulating on a machine that is not a Pi is the plan');
  t.match(laptop.message, /simulation/);

  const hardware = await checkGpio(await config(root, ['sensors.gpio.mode=hardware']), { model: join(root, 'no-such-model'), dev });
  t.equal(hardware.status, 'fail');
  t.type(hardware.remedy, 'string');

  const noGpiomem = await checkGpio(auto, { model: model('Raspberry Pi 3 Model B Plus Rev 1.3'), gpiomem: join(dev, 'missing'), dev });
  t.equal(noGpiomem.status, 'warn');
  t.match(noGpiomem.remedy, 'gpio group');

  t.equal((await checkGpio(await config(root, ['sensors.gpio.mode=simulated']))).status, 'ok');
  t.equal((await checkGpio(await config(root, ['sensors.gpio.enabled=false']))).status, 'ok');
});

t.test('clock: timedatectl yes / no, else the timesyncd flag file, else unknown; a clock before 2024 fails', async (t) => {
  const root = tempDir(t);
  const fake = (answer: string) => {
    const p = join(root, `timedatectl-${answer}`);
    writeFileSync(p, `#!/bin/sh\necho ${answer}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const missing = join(root, 'no-such-program');
  t.equal((await checkClock({ timedatectl: fake('yes'), flagFile: missing })).status, 'ok');
  const no = await checkClock({ timedatectl: fake('no'), flagFile: missing });
  t.equal(no.status, 'warn');
  t.match(no.remedy, 'timedatectl set-ntp true');
  const flag = join(root, 'synchronized');
  writeFileSync(flag, '');
  t.equal((await checkClock({ timedatectl: missing, flagFile: flag })).status, 'ok');
  const unknown = await checkClock({ timedatectl: missing, flagFile: missing });
  t.equal(unknown.status, 'warn');
  t.match(unknown.message, 'unknown');
  const past = await checkClock({ timedatectl: fake('yes'), flagFile: flag, now: () => 0 });
  t.equal(past.status, 'fail');
  t.equal(past.code, ErrorCodes.CLOCK_SKEW);
});
