import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { loadConfig } from '../adapters/config/load-config.js';
import type { ConfigFlags } from '../adapters/config/load-config.js';
import { main } from '../adapters/cli/main.js';
import type { Output } from '../adapters/cli/output.js';
import { tempDir } from './helpers/temp-dir.js';

function load(cwd: string, opts: { file?: string; flags?: ConfigFlags } = {}) {
  return loadConfig({ cwd, file: opts.file, env: {}, flags: opts.flags ?? {} });
}

/** The code a config load fails with; a plain Error (a stack trace for the user) fails the test. */
async function codeOf(t: Test, p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (isSmolError(err)) return err.code;
    t.fail(`not a SmolError: ${String(err)}`);
    return undefined;
  }
  t.fail('expected the config to be refused');
  return undefined;
}

function yamlFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const billionLaughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill('*' + 'abcdefghi'[i]).join(',')}]`),
].join('\n');

t.test('hostile YAML in the config file is SMOL_CONFIG_INVALID, not a stack trace', async (t) => {
  const dir = tempDir(t);
  for (const [name, text] of [
    ['self-alias.yaml', 'a: &a [*a]\n'],
    ['self-alias-map.yaml', 'node: &n\n  name: x\n  again: *n\n'],
    ['alias-bomb.yaml', billionLaughs + '\n'],
    ['unresolved-alias.yaml', 'node:\n  name: *nowhere\n'],
    ['list-as-key.yaml', '? [a, b]\n: 1\n'],
  ] as const) {
    t.equal(await codeOf(t, load(dir, { file: yamlFile(dir, name, text) })), ErrorCodes.CONFIG_INVALID, name);
  }
});

t.test('an alias a config reasonably uses still works', async (t) => {
  const dir = tempDir(t);
  const file = yamlFile(dir, 'ok.yaml', 'node: &n\n  name: kitchen\n');
  t.equal((await load(dir, { file })).node.name, 'kitchen');
  const shared = yamlFile(dir, 'shared.yaml', 'sensors:\n  gpio:\n    pins: &p []\n');
  t.same((await load(dir, { file: shared })).sensors.gpio.pins, []);
});

t.test('a hostile --set value is a config error naming the key', async (t) => {
  const dir = tempDir(t);
  for (const value of ['&a [*a]', billionLaughs.replace(/\n/g, ', ').replace(/^/, '{').replace(/$/, '}')]) {
    t.equal(await codeOf(t, load(dir, { flags: { set: [`sensors.gpio.pins=${value}`] } })), ErrorCodes.CONFIG_INVALID, value.slice(0, 20));
  }
});

t.test('a config path that is a directory, a device or too large is SMOL_CONFIG_UNREADABLE', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'conf.d'));
  t.equal(await codeOf(t, load(dir, { file: path.join(dir, 'conf.d') })), ErrorCodes.CONFIG_UNREADABLE, 'a directory');
  if (existsSync('/dev/zero')) t.equal(await codeOf(t, load(dir, { file: '/dev/zero' })), ErrorCodes.CONFIG_UNREADABLE, 'a device that never ends');
  const big = yamlFile(dir, 'big.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  t.equal(await codeOf(t, load(dir, { file: big })), ErrorCodes.CONFIG_UNREADABLE, 'two megabytes of comment');
  writeFileSync(path.join(dir, 'plain'), '');
  t.equal(await codeOf(t, load(dir, { file: path.join(dir, 'plain', 'smollama.yaml') })), ErrorCodes.CONFIG_UNREADABLE, 'under a regular file');
});

t.test('a dataDir with a NUL byte is SMOL_CONFIG_INVALID', async (t) => {
  const dir = tempDir(t);
  t.equal(await codeOf(t, load(dir, { file: yamlFile(dir, 'nul.yaml', 'dataDir: "data\\0x"\n') })), ErrorCodes.CONFIG_INVALID);
});

t.test('a data directory under a regular file is SMOL_CONFIG_UNREADABLE for every command, with no stack trace', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  for (const args of [['start'], ['status'], ['trust', 'show'], ['journal', 'verify'], ['journal', 'repair']]) {
    const err: string[] = [];
    const output: Output = { out: () => undefined, err: (line) => err.push(line) };
    const code = await main([...args, '--data-dir', path.join(file, 'data'), '--port', '0', '--set', 'mqtt.enabled=false'], output, {}, dir);
    t.equal(code, 2, `${args.join(' ')}: ${err.join('\n')}`);
    t.match(err.join('\n'), ErrorCodes.CONFIG_UNREADABLE);
    t.notMatch(err.join('\n'), /^\s+at /m, 'no stack trace');
  }
});
