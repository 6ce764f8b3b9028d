import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { commands, parseCommandLine, usageText } from '../adapters/cli/args.js';
import type { ParsedCommand } from '../adapters/cli/args.js';
import { loadConfig } from '../adapters/config/load-config.js';
import { tempDir } from './helpers/temp-dir.js';

const NODE = 'nabcdefghijklmnopqrst'; // a well-formed node id: 'n' + 20 base32 characters

/** The message of the SMOL_CLI_USAGE error that parsing `argv` throws. */
function usageError(t: Test, argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (isSmolError(err, ErrorCodes.CLI_USAGE)) return err.message;
    throw err;
  }
  t.fail(`expected SMOL_CLI_USAGE for ${argv.join(' ')}`);
  return '';
}

function parsed<N extends ParsedCommand['name']>(argv: string[], name: N): Extract<ParsedCommand, { name: N }> {
  const p = parseCommandLine(argv);
  if (p.name !== name) throw new Error(`parsed ${p.name}, expected ${name}`);
  return p as Extract<ParsedCommand, { name: N }>;
}

t.test('start with no flags has empty config flags and no JSON', async (t) => {
  t.same(parseCommandLine(['start']), {
    name: 'start',
    args: {},
    global: { configFile: undefined, configFlags: { dataDir: undefined, name: undefined, role: undefined, port: undefined, set: [] }, json: false },
  });
});

t.test('global flags go before or after the command, with a space or an =', async (t) => {
  const p = parsed(['--data-dir', '/var/smol', 'start', '--port=9000', '--set', 'a.b=1', '--config', 'c.yaml', '--name', 'pi-1', '--role', 'llama', '--set=c.d=e=f'], 'start');
  t.same(p.global.configFlags, { dataDir: '/var/smol', name: 'pi-1', role: 'llama', port: '9000', set: ['a.b=1', 'c.d=e=f'] });
  t.equal(p.global.configFile, 'c.yaml');
});

t.test('the config flags feed loadConfig, which names the flag of a bad value', async (t) => {
  const cwd = tempDir(t);
  const ok = parsed(['start', '--port', '9000', '--set', 'sensors.gpio.mode=simulated'], 'start');
  const cfg = await loadConfig({ cwd, env: {}, flags: ok.global.configFlags, file: ok.global.configFile });
  t.equal(cfg.http.port, 9000);
  t.equal(cfg.sensors.gpio.mode, 'simulated');
  const bad = parsed(['start', '--role', 'admin'], 'start');
  await t.rejects(loadConfig({ cwd, env: {}, flags: bad.global.configFlags }), { code: ErrorCodes.CONFIG_INVALID, message: /node\.role .*--role/ });
});

t.test('journal tail gives typed options', async (t) => {
  const p = parsed(['journal', 'tail', '--follow', '--limit', '5', '--type', 'reading.sampled', '--type', 'node.started', '--origin', NODE, '--json'], 'journal tail');
  const limit: number | undefined = p.args.limit;
  const types: string[] = p.args.type;
  t.equal(limit, 5);
  t.same(types, ['reading.sampled', 'node.started']);
  t.equal(p.args.follow, true);
  t.equal(p.args.origin, NODE);
  t.equal(p.global.json, true);
  t.same(parsed(['journal', 'tail'], 'journal tail').args, { follow: false, limit: undefined, type: [], origin: undefined });
});

t.test('init writes ./smollama.yaml unless --out says otherwise', async (t) => {
  t.same(parsed(['init'], 'init').args, { out: 'smollama.yaml', force: false });
  t.same(parsed(['init', '--out', '/etc/smollama.yaml', '--force'], 'init').args, { out: '/etc/smollama.yaml', force: true });
});

t.test('journal inspect takes an event id or --position, exactly one', async (t) => {
  t.same(parsed(['journal', 'inspect', `${NODE}:42`], 'journal inspect').args, { position: undefined, eventId: `${NODE}:42` });
  t.same(parsed(['journal', 'inspect', '--position', '0'], 'journal inspect').args, { position: 0, eventId: undefined });
  t.match(usageError(t, ['journal', 'inspect']), 'give either an event id or --position N');
  t.match(usageError(t, ['journal', 'inspect', `${NODE}:1`, '--position', '3']), 'give either an event id or --position N');
  t.match(usageError(t, ['journal', 'inspect', 'kitchen:1']), '"kitchen:1" is not an event id');
  t.match(usageError(t, ['journal', 'inspect', `${NODE}:0`]), `"${NODE}:0" is not an event id`);
});

t.test('journal rebuild takes an optional projection name and nothing more', async (t) => {
  t.same(parsed(['journal', 'rebuild'], 'journal rebuild').args, { projection: undefined });
  t.same(parsed(['journal', 'rebuild', 'sensors'], 'journal rebuild').args, { projection: 'sensors' });
  t.equal(usageError(t, ['journal', 'rebuild', 'sensors', 'nodes']), "unexpected argument 'nodes' for 'journal rebuild'");
});

t.test('every command in the table parses from its own words', async (t) => {
  for (const name of Object.keys(commands)) {
    const extras: Record<string, string[]> = {
      'journal inspect': ['--position', '1'],
      'journal export': ['--all', '--out', 'stick'],
      'journal import': ['stick'],
      'trust add': ['KEY'],
      'trust remove': ['hub'],
      ask: ['how warm is it?'],
      completion: ['bash'],
    };
    const extra = extras[name] ?? [];
    t.equal(parseCommandLine([...name.split(' '), ...extra]).name, name);
  }
});

t.test('help is asked for with no command, --help, -h or help <command>', async (t) => {
  t.same(parseCommandLine([]), { name: 'help', topic: undefined });
  t.same(parseCommandLine(['--help']), { name: 'help', topic: undefined });
  t.same(parseCommandLine(['journal', 'tail', '-h']), { name: 'help', topic: 'journal tail' });
  t.same(parseCommandLine(['journal', '--help']), { name: 'help', topic: 'journal' });
  t.same(parseCommandLine(['help', 'journal', 'tail']), { name: 'help', topic: 'journal tail' });
  t.same(parseCommandLine(['start', '--bogus', '--help']), { name: 'help', topic: 'start' }, 'help wins over a bad option');
  t.equal(usageError(t, ['help', 'fly']), "help: unknown command 'fly'");
});

t.test('an unknown command or subcommand is a usage error naming it', async (t) => {
  t.match(usageError(t, ['fly']), "unknown command 'fly' (commands: start, status, doctor, completion, init, ask, tool, journal, trust)");
  t.match(usageError(t, ['journal', 'fly']), "unknown journal command 'fly'");
  t.match(usageError(t, ['journal']), 'journal needs a subcommand: stats, tail, inspect, verify, repair, rebuild, vector, export, import');
});

t.test('an option the command does not take is a usage error naming it', async (t) => {
  t.equal(usageError(t, ['status', '--follow']), "unknown option --follow for 'status'");
  t.equal(usageError(t, ['start', '-x']), "unknown option -x for 'start'");
  t.equal(usageError(t, ['start', '--json']), "--json is only for read commands, not 'start'");
  t.equal(usageError(t, ['init', '--force=yes']), '--force takes no value');
});

t.test('an option that needs a value must get one', async (t) => {
  t.equal(usageError(t, ['journal', 'tail', '--limit']), '--limit needs a value');
  t.equal(usageError(t, ['journal', 'tail', '--limit', '--follow']), '--limit needs a value');
  t.equal(usageError(t, ['start', '--data-dir']), '--data-dir needs a value');
});

t.test('bad option values are usage errors naming the option and value', async (t) => {
  t.equal(usageError(t, ['journal', 'tail', '--limit', '0']), '--limit expects a whole number >= 1, got "0"');
  t.equal(usageError(t, ['journal', 'tail', '--limit', '1.5']), '--limit expects a whole number >= 1, got "1.5"');
  t.equal(usageError(t, ['journal', 'inspect', '--position', 'x']), '--position expects a whole number >= 0, got "x"');
  t.match(usageError(t, ['journal', 'tail', '--origin', 'kitchen']), '--origin expects a node id, got "kitchen"');
  t.equal(usageError(t, ['status', '--set', 'http.port']), '--set expects KEY=VALUE, got "http.port"');
});

t.test('usage text lists every command and the common options', async (t) => {
  const text = usageText();
  for (const name of Object.keys(commands)) t.match(text, name);
  for (const flag of ['--data-dir DIR', '--config FILE', '--set KEY=VALUE', '--json', '-h, --help']) t.match(text, flag);
});

t.test("a command's usage shows its own options, and --json only for read commands", async (t) => {
  const tail = usageText('journal tail');
  t.match(tail, 'Usage: smollama journal tail [options]');
  for (const flag of ['--follow', '--limit N', '--type TYPE', '--origin NODE', '--json']) t.match(tail, flag);
  t.match(usageText('journal inspect'), 'Usage: smollama journal inspect [eventId] [options]');
  t.notMatch(usageText('init'), '--json');
  t.match(usageText('init'), '--out FILE');
  const group = usageText('journal');
  t.match(group, 'journal verify');
  t.notMatch(group, /^ {2}start/m);
});

t.test('sync commands: export takes exactly one basis and --out, import takes one or more paths', async (t) => {
  t.same(parsed(['journal', 'export', '--for', 'v.json', '--out', 'stick/'], 'journal export').args, { for: 'v.json', peer: undefined, all: false, out: 'stick/' });
  t.equal(usageError(t, ['journal', 'export', '--all', '--peer', 'hub', '--out', 'x']), 'journal export: give exactly one of --for VECTOR_FILE, --peer NAME, --all');
  t.equal(usageError(t, ['journal', 'export', '--all']), 'journal export: needs --out FILE_OR_DIR');
  t.same(parsed(['journal', 'import', 'a.smolseg', 'stick/'], 'journal import').args, { paths: ['a.smolseg', 'stick/'] });
  t.equal(usageError(t, ['journal', 'import']), 'journal import needs <paths…>');
  t.same(parsed(['trust', 'add', 'KEY', '--name', 'hub'], 'trust add').args, { key: 'KEY', name: 'hub' });
});

t.test('a public key that starts with a dash is an argument, not a cluster of short options', async (t) => {
  const key = '-dEj7M5CH9vyjcbl8xdf4JGHBab8rEywTzb2WUZDtjE';
  const p = parsed(['trust', 'add', key, '--name', 'node-b', '--data-dir', '/d'], 'trust add');
  t.equal(p.args.key, key);
  t.equal(p.args.name, 'node-b');
  // More dashes inside: parseArgs expands such a word into one token per letter (CI saw this key refused).
  const dashes = '-gw4DdffugRBuykOkeTuLZQktks2d-Fpse2N3-5lWUU';
  t.equal(parsed(['trust', 'add', dashes, '--name', 'node-b'], 'trust add').args.key, dashes, 'a key with dashes inside is one argument');
  t.equal(parsed(['trust', 'add', 'KEY', '--name', dashes], 'trust add').args.name, dashes, 'and may be an option value');
  t.equal(parsed(['trust', 'remove', '-hx'], 'trust remove').args.node, '-hx', 'a word with a letter that is no short flag is a word');
  t.equal(parsed(['trust', 'add', '--name', 'b', '--', '-h'], 'trust add').args.key, '-h', 'after -- everything is an argument');
  t.same(parseCommandLine(['trust', 'add', '-h']), { name: 'help', topic: 'trust add' }, '-h alone still asks for help');
  t.match(usageError(t, ['trust', 'add', key, '-x']), /unknown option -x/, 'a stray short option is refused');
  t.match(usageError(t, ['trust', 'add', key, '-xyz']), /unexpected argument '-xyz'/, 'a stray dash word is an extra argument');
});
