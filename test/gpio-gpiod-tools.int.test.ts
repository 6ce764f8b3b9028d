import t from 'tap';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGpiodTools } from '../adapters/gpio/gpiod-tools.js';
import type { LineEdge } from '../adapters/gpio/line-port.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// The gpiod-tools driver's real child-process path against stand-in tools that print what
// libgpiod 1.6's print and log the command lines they were started with.

function tools(dir: string, major: 1 | 2) {
  const log = join(dir, 'calls.log');
  const trigger = join(dir, 'edge');
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`);
    chmodSync(p, 0o755);
  };
  script('gpiodetect', `[ "$1" = --version ] && { echo 'gpiodetect (libgpiod) v${major === 1 ? '1.6.3' : '2.1.3'}'; exit 0; }\necho 'gpiochip0 [pinctrl-rp1] (54 lines)'`);
  script('gpioget', major === 1 ? "echo '1 0'" : `echo '"17"=active "22"=inactive'`);
  // Waits for the test's trigger file, then reports one rising and one falling edge, and stays.
  script('gpiomon', `while [ ! -f ${trigger} ]; do sleep 0.02; done\necho '17 1 100.000000001'\necho '22 ${major === 1 ? 0 : 2} 100.000000002'\nexec sleep 600`);
  script('gpioset', 'exec sleep 600');
  return { log, trigger, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

for (const major of [1, 2] as const) {
  t.test(`libgpiod ${major}: reads, watches edges and holds outputs through the tools`, async (t) => {
    const dir = tempDir(t);
    const fake = tools(dir, major);
    const driver = await openGpiodTools({ toolDir: dir });
    t.equal(driver.description, `gpiod tools v${major === 1 ? '1.6.3' : '2.1.3'}`);
    t.same(await driver.chips(), [{ name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 }]);
    const edges: LineEdge[] = [];
    const errors: unknown[] = [];
    const watch = await driver.watchInputs({ chip: 'gpiochip0', consumer: 'smollama', lines: [{ offset: 17, bias: 'pull-up' }, { offset: 22, bias: 'pull-up' }] }, (e) => edges.push(e), (e) => errors.push(e));
    t.same([...watch.initial], [[17, 1], [22, 0]], 'levels read before the watch');
    writeFileSync(fake.trigger, '');
    await waitFor(() => edges.length === 2, { timeoutMs: 5000, message: 'the edges gpiomon printed' });
    t.same(edges, [{ offset: 17, level: 1 }, { offset: 22, level: 0 }]);
    const hold = await driver.holdOutputs({ chip: 'gpiochip0', consumer: 'smollama', values: new Map([[23, 0]]) });
    await hold.set(new Map([[23, 1]]));
    await hold.close();
    await watch.close();
    t.same(errors, [], 'closing a watch is not an error');
    const calls = fake.calls().filter((c) => !c.startsWith('gpiodetect'));
    if (major === 1) {
      t.same(calls, ['gpioget --bias=pull-up gpiochip0 17 22', 'gpiomon --line-buffered --bias=pull-up --format=%o %e %s.%n gpiochip0 17 22', 'gpioset --mode=signal gpiochip0 23=0', 'gpioset --mode=signal gpiochip0 23=1']);
    } else {
      t.same(calls, ['gpioget -c gpiochip0 -C smollama --bias=pull-up 17 22', 'gpiomon -c gpiochip0 -C smollama --bias=pull-up -e both --format=%o %e %S 17 22', 'gpioset -c gpiochip0 -C smollama 23=0', 'gpioset -c gpiochip0 -C smollama 23=1']);
    }
  });
}

t.test('a tool the kernel refuses (line busy) is SMOL_SENSOR_UNAVAILABLE with its message; no tools at all says what to install', async (t) => {
  const dir = tempDir(t);
  tools(dir, 1);
  writeFileSync(join(dir, 'gpioset'), "#!/bin/sh\necho 'gpioset: error setting the GPIO line values: Device or resource busy' >&2\nexit 1\n");
  const driver = await openGpiodTools({ toolDir: dir });
  await t.rejects(driver.holdOutputs({ chip: 'gpiochip0', consumer: 'smollama', values: new Map([[23, 0]]) }), { code: 'SMOL_SENSOR_UNAVAILABLE', message: /Device or resource busy/ });
  await t.rejects(openGpiodTools({ toolDir: join(dir, 'nowhere') }), { code: 'SMOL_SENSOR_UNAVAILABLE', message: /sudo apt install gpiod/ });
});
