import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes, SmolError, isSmolError } from '../core/errors.js';
import { loadConfig } from '../adapters/config/load-config.js';
import type { ConfigFlags } from '../adapters/config/load-config.js';
import { sanitizeNodeName } from '../adapters/config/sections/node.js';
import { exampleConfigYaml, writeExampleConfig } from '../adapters/config/example-config.js';
import { tempDir } from './helpers/temp-dir.js';

type Env = Record<string, string | undefined>;

function load(cwd: string, opts: { file?: string; env?: Env; flags?: ConfigFlags } = {}) {
  return loadConfig({ cwd, file: opts.file, env: opts.env ?? {}, flags: opts.flags ?? {} });
}

/** The SmolError a promise rejects with; fails the test if it resolves or throws something else. */
async function failure(t: Test, p: Promise<unknown>): Promise<SmolError> {
  try {
    await p;
  } catch (err) {
    if (isSmolError(err)) return err;
    throw err;
  }
  t.fail('expected a SmolError');
  return new SmolError(ErrorCodes.CONFIG_INVALID, '');
}

function writeYaml(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

t.test('with no file, env or flags every key has its default', async (t) => {
  const cwd = tempDir(t);
  const config = await load(cwd);
  // Sections owned by other features (llm, sync, mqtt, …) have default tests of their own.
  const core = { node: config.node, dataDir: config.dataDir, sensors: config.sensors, clock: config.clock, journal: config.journal };
  t.same(core, {
    node: { name: sanitizeNodeName(os.hostname()), role: 'alpaca' },
    dataDir: path.join(cwd, 'data'),
    sensors: {
      system: { enabled: true, intervalMs: 5000 },
      gpio: {
        enabled: true, mode: 'auto', backend: 'auto', chip: 'auto', intervalMs: 5000, debounceMs: 20, seed: 1, simulateEdges: false,
        pins: [
          { name: 'button', pin: 11, direction: 'input', pull: 'up' },
          { name: 'led', pin: 12, direction: 'output', pull: 'off' },
        ],
      },
      devices: [],
      sourceIntervalsMs: {},
      minuteRetentionDays: 30,
      sysRoot: '/sys',
    },
    clock: { maxOffsetMs: 60000, forwardJumpMs: 3600000, backwardJumpMs: 1000 },
    journal: { sealEvery: 1000, sealIntervalMs: 600000, readingsCommitMs: 10_000, hotDays: 7, coldMoveIntervalMs: 60_000, coldFileMaxEvents: 200_000, minFreeBytes: 64 * 1024 * 1024, maxBytes: 1024 * 1024 * 1024, maxAgeDays: 0 },
  });
  t.has(config, { http: { port: 8080 } }, 'the dashboard port defaults to 8080');
});

t.test('the default node name is the first hostname label, reduced to [a-z0-9-]', async (t) => {
  t.equal(sanitizeNodeName('Pi_Kitchen 2.local'), 'pi-kitchen-2');
  t.equal(sanitizeNodeName('--Garage--'), 'garage');
  t.equal(sanitizeNodeName('___'), 'smollama');
  t.equal(sanitizeNodeName('x'.repeat(80)).length, 63);
});

t.test('a file overrides defaults, env overrides the file, flags override env', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', 'http:\n  port: 1000\nsensors:\n  gpio:\n    mode: simulated\n');
  const env = { SMOLLAMA_HTTP__PORT: '2000', SMOLLAMA_SENSORS__GPIO__INTERVAL_MS: '250' };
  t.equal((await load(cwd, { file })).http.port, 1000);
  const fromEnv = await load(cwd, { file, env });
  t.equal(fromEnv.http.port, 2000);
  t.equal(fromEnv.sensors.gpio.mode, 'simulated', 'keys the env does not name keep the file value');
  t.equal(fromEnv.sensors.gpio.intervalMs, 250);
  t.equal(fromEnv.sensors.gpio.seed, 1, 'keys nobody names keep their default');
  t.equal((await load(cwd, { file, env, flags: { port: '3000' } })).http.port, 3000);
});

t.test('named flags win over --set, and --set reaches any key', async (t) => {
  const cwd = tempDir(t);
  const cfg = await load(cwd, {
    flags: { set: ['http.port=4000', 'sensors.gpio.mode=simulated', 'node.role=llama'], port: 4001, name: 'hub-1', dataDir: 'var/smol' },
  });
  t.equal(cfg.http.port, 4001);
  t.equal(cfg.sensors.gpio.mode, 'simulated');
  t.equal(cfg.node.role, 'llama');
  t.equal(cfg.node.name, 'hub-1');
  t.equal(cfg.dataDir, path.join(cwd, 'var/smol'));
});

t.test('env values are read as YAML scalars, except for keys that take text', async (t) => {
  const cwd = tempDir(t);
  const cfg = await load(cwd, {
    env: {
      SMOLLAMA_SENSORS__SYSTEM__ENABLED: 'false',
      SMOLLAMA_NODE__NAME: '0123',
      SMOLLAMA_DATA_DIR: '/srv/smollama',
      SMOLLAMA_SENSORS__GPIO__PINS: '[{name: door, pin: 7, direction: input}]',
      SMOLLAMA_CLOCK__MAX_OFFSET_MS: '',
    },
  });
  t.equal(cfg.sensors.system.enabled, false);
  t.equal(cfg.node.name, '0123');
  t.equal(cfg.dataDir, '/srv/smollama');
  t.same(cfg.sensors.gpio.pins, [{ name: 'door', pin: 7, direction: 'input', pull: 'off' }]);
  t.equal(cfg.clock.maxOffsetMs, 60000, 'an empty variable counts as unset');
});

t.test('the file is --config, else SMOLLAMA_CONFIG, else ./smollama.yaml', async (t) => {
  const cwd = tempDir(t);
  writeYaml(cwd, 'smollama.yaml', 'http: {port: 1}\n');
  writeYaml(cwd, 'env.yaml', 'http: {port: 2}\n');
  writeYaml(cwd, 'flag.yaml', 'http: {port: 3}\n');
  t.equal((await load(cwd)).http.port, 1);
  t.equal((await load(cwd, { env: { SMOLLAMA_CONFIG: 'env.yaml' } })).http.port, 2);
  t.equal((await load(cwd, { file: 'flag.yaml', env: { SMOLLAMA_CONFIG: 'env.yaml' } })).http.port, 3);
});

t.test('a relative dataDir in a file is resolved against the working directory', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'etc/smollama.yaml', 'dataDir: ./state\nclock:\n');
  const cfg = await load(cwd, { file });
  t.equal(cfg.dataDir, path.join(cwd, 'state'));
  t.equal(cfg.clock.maxOffsetMs, 60000, 'a section with nothing under it keeps its defaults');
});

t.test('a bad value in the file names the key, the value and the file', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', 'sensors:\n  system:\n    intervalMs: fast\n');
  const err = await failure(t, load(cwd, { file }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.equal(err.message, `config: sensors.system.intervalMs = "fast" (from ${file}): expected number`);
});

t.test('an unknown key in the file is an error naming the key and the file', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', 'sensors:\n  sytem:\n    enabled: false\n');
  const err = await failure(t, load(cwd, { file }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.match(err.message, 'config: sensors.sytem');
  t.match(err.message, `(from ${file}): unknown key (known here: system, gpio, `);
  t.match(err.message, /known here: [^)]*\bsourceIntervalsMs, minuteRetentionDays\b/);
});

t.test('a __proto__ key in the file is an unknown key, not a prototype', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', 'http:\n  __proto__: {port: 5}\n');
  const err = await failure(t, load(cwd, { file }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.match(err.message, `config: http.__proto__ = {"port":5} (from ${file}): unknown key`);
});

t.test('a bad env value names the key and the variable', async (t) => {
  const err = await failure(t, load(tempDir(t), { env: { SMOLLAMA_HTTP__PORT: '70000' } }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.equal(err.message, 'config: http.port = 70000 (from SMOLLAMA_HTTP__PORT): must be at most 65535');
});

t.test('an env variable that maps to no key is an error naming it', async (t) => {
  const err = await failure(t, load(tempDir(t), { env: { SMOLLAMA_HTTP__PROT: '1', HOME: '/root' } }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.match(err.message, /^config: unknown environment variable SMOLLAMA_HTTP__PROT /);
});

t.test('a bad flag value names the key and the flag', async (t) => {
  const cwd = tempDir(t);
  const role = await failure(t, load(cwd, { flags: { role: 'admin' } }));
  t.equal(role.code, ErrorCodes.CONFIG_INVALID);
  t.equal(role.message, 'config: node.role = "admin" (from --role): expected one of "llama" | "alpaca"');
  const set = await failure(t, load(cwd, { flags: { set: ['sensors.gpio.intervalMs=10'] } }));
  t.equal(set.message, 'config: sensors.gpio.intervalMs = 10 (from --set sensors.gpio.intervalMs): must be at least 100');
  const name = await failure(t, load(cwd, { flags: { name: 'Kitchen Pi' } }));
  t.match(name.message, 'config: node.name = "Kitchen Pi" (from --name)');
});

t.test('--set with an unknown key or without = is an error naming the flag', async (t) => {
  const cwd = tempDir(t);
  const unknown = await failure(t, load(cwd, { flags: { set: ['sensors.gpio.speed=3'] } }));
  t.equal(unknown.code, ErrorCodes.CONFIG_INVALID);
  t.equal(unknown.message, 'config: sensors.gpio.speed (from --set sensors.gpio.speed): unknown key');
  const section = await failure(t, load(cwd, { flags: { set: ['sensors.gpio=1'] } }));
  t.match(section.message, 'not a single setting');
  const noValue = await failure(t, load(cwd, { flags: { set: ['http.port'] } }));
  t.equal(noValue.code, ErrorCodes.CONFIG_INVALID);
  t.match(noValue.message, '--set http.port: expected key.path=value');
});

t.test('pin names and numbers must be unique and numbers within 1..40', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', [
    'sensors:', '  gpio:', '    pins:',
    '      - {name: door, pin: 7, direction: input}',
    '      - {name: door, pin: 7, direction: output}',
  ].join('\n'));
  const dup = await failure(t, load(cwd, { file }));
  t.equal(dup.code, ErrorCodes.CONFIG_INVALID);
  t.match(dup.message, `config: sensors.gpio.pins.1.name = "door" (from ${file}): duplicate pin name (also pins.0)`);
  t.match(dup.message, `config: sensors.gpio.pins.1.pin = 7 (from ${file}): duplicate pin number (also pins.0)`);
  const range = await failure(t, load(cwd, { env: { SMOLLAMA_SENSORS__GPIO__PINS: '[{name: a, pin: 41, direction: input}]' } }));
  t.match(range.message, 'config: sensors.gpio.pins.0.pin = 41 (from SMOLLAMA_SENSORS__GPIO__PINS): must be at most 40');
});

t.test('a named config file that is missing is unreadable, naming it and who named it', async (t) => {
  const cwd = tempDir(t);
  const byFlag = await failure(t, load(cwd, { file: 'nope.yaml' }));
  t.equal(byFlag.code, ErrorCodes.CONFIG_UNREADABLE);
  t.match(byFlag.message, `${path.join(cwd, 'nope.yaml')} (named by --config)`);
  const byEnv = await failure(t, load(cwd, { env: { SMOLLAMA_CONFIG: '/no/such.yaml' } }));
  t.equal(byEnv.code, ErrorCodes.CONFIG_UNREADABLE);
  t.match(byEnv.message, '/no/such.yaml (named by SMOLLAMA_CONFIG)');
});

t.test('a YAML syntax error is unreadable and gives the line', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', 'http:\n  port: 1\n  port: 2\n');
  const err = await failure(t, load(cwd, { file }));
  t.equal(err.code, ErrorCodes.CONFIG_UNREADABLE);
  t.match(err.message, file);
  t.match(err.message, 'line 3');
  t.equal(err.details?.['line'], 3);
});

t.test('a file that is a list rather than a mapping is invalid', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'c.yaml', '- http\n- port\n');
  const err = await failure(t, load(cwd, { file }));
  t.equal(err.code, ErrorCodes.CONFIG_INVALID);
  t.match(err.message, `${file} must be a mapping`);
});

t.test('loading creates nothing, whether it succeeds or fails', async (t) => {
  const cwd = tempDir(t);
  await load(cwd, { flags: { dataDir: 'fresh' } });
  await failure(t, load(cwd, { flags: { dataDir: 'fresh', port: 'x' } }));
  t.same(readdirSync(cwd), []);
});

t.test('the result is deep-frozen: assigning throws', async (t) => {
  const cfg = await load(tempDir(t));
  t.throws(() => {
    (cfg.http as { port: number }).port = 1;
  }, TypeError);
  t.throws(() => {
    (cfg.sensors.gpio.pins as unknown[]).push({});
  }, TypeError);
  t.throws(() => {
    (cfg as { dataDir: string }).dataDir = '/elsewhere';
  }, TypeError);
  t.equal(cfg.http.port, 8080);
});

t.test('the example config parses back to exactly the defaults', async (t) => {
  const cwd = tempDir(t);
  const file = writeYaml(cwd, 'example.yaml', exampleConfigYaml());
  t.same(await load(cwd, { file }), await load(cwd));
});

t.test('the example config comments every key it sets', async (t) => {
  const lines = exampleConfigYaml().split('\n');
  let itemIndent = -1; // keys of list items are documented above the first item
  lines.forEach((line, i) => {
    const m = /^( *)(- )?[A-Za-z]\w*:/.exec(line);
    if (!m) return;
    const indent = m[1]?.length ?? 0;
    if (m[2] !== undefined) {
      itemIndent = indent + 2;
      return;
    }
    if (indent === itemIndent) return;
    itemIndent = -1;
    t.match(lines[i - 1] ?? '', /^ *#/, `a comment above "${line.trim()}"`);
  });
  t.match(lines.join('\n'), /# pin: physical header pin/);
  t.match(lines.join('\n'), /^ {2}# name: /m, 'the per-machine node name is shown, commented out');
});

t.test('writeExampleConfig refuses to overwrite a file unless forced', async (t) => {
  const cwd = tempDir(t);
  const file = path.join(cwd, 'smollama.yaml');
  await writeExampleConfig(file, { force: false });
  t.equal(readFileSync(file, 'utf8'), exampleConfigYaml());
  writeFileSync(file, 'mine: true\n');
  const err = await failure(t, writeExampleConfig(file, { force: false }));
  t.equal(err.code, ErrorCodes.CLI_USAGE);
  t.match(err.message, `${file} already exists`);
  t.equal(readFileSync(file, 'utf8'), 'mine: true\n', 'the existing file is untouched');
  await writeExampleConfig(file, { force: true });
  t.equal(readFileSync(file, 'utf8'), exampleConfigYaml());
  const missingDir = await failure(t, writeExampleConfig(path.join(cwd, 'no/dir.yaml'), { force: false }));
  t.equal(missingDir.code, ErrorCodes.CLI_USAGE);
});
