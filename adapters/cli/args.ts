import { parseArgs } from 'node:util';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { isNodeId } from '../../core/identity/node-identity.js';
import type { ConfigFlags } from '../config/load-config.js';

// Command-line parsing. A new command (`journal export`, `trust add`, `ask`) is one table entry.

type Raw = string | boolean | string[] | undefined;
/** `value` is the placeholder in help (`N`); `convert` gives the typed value or throws SMOL_CLI_USAGE. */
interface OptionSpec<T> {
  readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly short?: string;
  readonly value?: string; readonly help: string; readonly convert: (raw: Raw, flag: string) => T;
}
/** `check` returns a problem with the value, or undefined when it is fine. */
interface PositionalSpec {
  readonly name: string; readonly help: string; readonly required?: boolean; readonly check?: (value: string) => string | undefined;
  /** The last positional may take every remaining word (`journal import PATH…`). */
  readonly rest?: boolean;
}

type OptionsOf<O> = { readonly [K in keyof O]: O[K] extends OptionSpec<infer T> ? T : never };
type PositionalsOf<P extends readonly PositionalSpec[]> = {
  readonly [X in P[number] as X['name']]: X extends { rest: true } ? string[] : X extends { required: true } ? string : string | undefined;
};

/** `json`: a read command, which accepts `--json`. `check`: a problem across arguments, or undefined. */
interface CommandSpec<O = Record<string, OptionSpec<unknown>>, P extends readonly PositionalSpec[] = readonly PositionalSpec[]> {
  readonly summary: string; readonly options: O; readonly positionals: P; readonly json: boolean;
  readonly check?: (args: OptionsOf<O> & PositionalsOf<P>) => string | undefined;
}

function command<const O extends Record<string, OptionSpec<unknown>> = {}, const P extends readonly PositionalSpec[] = []>(spec: {
  summary: string; options?: O; positionals?: P; json?: boolean; check?: (args: OptionsOf<O> & PositionalsOf<P>) => string | undefined;
}): CommandSpec<O, P> {
  return { options: {} as O, positionals: [] as unknown as P, json: false, ...spec };
}

const usage = (message: string): SmolError => new SmolError(ErrorCodes.CLI_USAGE, message);

const flag = (help: string, short?: string): OptionSpec<boolean> => ({ type: 'boolean', help, ...(short ? { short } : {}), convert: (raw) => raw === true });
const text = (value: string, help: string): OptionSpec<string | undefined> => ({ type: 'string', value, help, convert: (raw) => raw as string | undefined });
const textOr = (value: string, help: string, fallback: string): OptionSpec<string> => ({ type: 'string', value, help: `${help} (default ${fallback})`, convert: (raw) => (raw as string | undefined) ?? fallback });
const texts = (value: string, help: string): OptionSpec<string[]> => ({ type: 'string', multiple: true, value, help: `${help} (repeatable)`, convert: (raw) => (raw as string[] | undefined) ?? [] });
const int = (value: string, help: string, min: number): OptionSpec<number | undefined> => ({ type: 'string', value, help, convert: (raw, name) => {
  const n = raw === undefined ? undefined : /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= min)) throw usage(`${name} expects a whole number >= ${min}, got "${String(raw)}"`);
  return n;
} });

const checkEventId = (id: string): string | undefined => {
  const [origin = '', seq = '', ...rest] = id.split(':');
  return isNodeId(origin) && /^[1-9]\d*$/.test(seq) && rest.length === 0 ? undefined : `"${id}" is not an event id (origin:seq)`;
};

/** Every command. Names with a space are subcommands of a group (`journal`). */
export const commands = {
  start: command({ summary: 'run this node: sensors, journal, dashboard, MQTT, observer' }),
  status: command({
    summary: "this node's identity, journal heads and sensors", json: true,
    options: { 'show-tokens': flag('also print the API tokens (read-only and admin); they are secrets') },
  }),
  doctor: command({
    summary: 'check this machine for a node: Node.js, data dir, disk, ports, Ollama and models, GPIO, clock, MQTT, trust, peers', json: true,
    options: { pull: flag('pull the configured models that Ollama lacks') },
  }),
  completion: command({
    summary: 'print a shell completion script: eval "$(smollama completion bash)"',
    positionals: [{ name: 'shell', help: 'bash or zsh', required: true, check: (s: string) => (s === 'bash' || s === 'zsh' ? undefined : `expected bash or zsh, got "${s}"`) }],
  }),
  init: command({
    summary: 'write a commented example config',
    options: { out: textOr('FILE', 'where to write it', 'smollama.yaml'), force: flag('overwrite an existing file') },
  }),
  ask: command({
    summary: "ask this node's agent a question (its sensors, memories and tools answer)", json: true,
    positionals: [{ name: 'question', help: 'the question, quoted', required: true }],
  }),
  tool: command({
    summary: "call one of this node's tools directly, without a model (journaled; no TOOL: list them)", json: true,
    options: { arg: texts('KEY=VALUE', 'one argument: a JSON value (17, true, "17"), or text') },
    positionals: [{ name: 'tool', help: 'the tool, e.g. read_source' }, { name: 'arguments', help: 'all arguments as one JSON object, e.g. \'{"source": "system.cpu_temp"}\'' }],
  }),
  'journal stats': command({ summary: 'events per origin and type, journal size', json: true }),
  'journal tail': command({
    summary: 'the latest events, oldest first', json: true,
    options: {
      follow: flag('keep printing events as they arrive'),
      limit: int('N', 'how many events to show', 1),
      type: texts('TYPE', 'only events of this type'),
      origin: text('NODE', 'only events from this node id'),
    },
    check: (a) => (a.origin !== undefined && !isNodeId(a.origin) ? `--origin expects a node id, got "${a.origin}"` : undefined),
  }),
  'journal inspect': command({
    summary: 'one event, by id or by log position', json: true,
    options: { position: int('N', 'the event at this log position', 0) },
    positionals: [{ name: 'eventId', help: 'origin:seq', check: checkEventId }],
    check: (a) => ((a.eventId === undefined) === (a.position === undefined) ? 'give either an event id or --position N' : undefined),
  }),
  'journal verify': command({ summary: 'check every feed: hash chains, contiguity, seal signatures', json: true }),
  'journal repair': command({
    summary: "recover a journal LevelDB cannot open (lost CURRENT or manifest) from its files, then verify it", json: true,
  }),
  'journal rebuild': command({
    summary: 'drop projection state (and the vector index) and replay the journal; no model is called',
    positionals: [{ name: 'projection', help: 'only this projection, or `vectors` (default: all)' }],
  }),
  'journal vector': command({
    summary: "this node's version vector (what it holds), for a peer's `journal export --for`", json: true,
    options: { out: text('FILE_OR_DIR', 'write it to this file, or into this directory') },
  }),
  'journal export': command({
    summary: 'write a signed segment of the events a peer lacks (for a USB stick)',
    options: {
      for: text('VECTOR_FILE', 'what the peer holds, from its `journal vector`'),
      peer: text('NAME', 'a trusted peer: what it was last sent or is known to hold'),
      all: flag('every event this node holds'),
      out: text('FILE_OR_DIR', 'the segment file, or a directory to write it into'),
    },
    check: (a) =>
      [a.for, a.peer, a.all || undefined].filter((x) => x !== undefined).length !== 1 ? 'give exactly one of --for VECTOR_FILE, --peer NAME, --all'
        : a.out === undefined ? 'needs --out FILE_OR_DIR' : undefined,
  }),
  'journal import': command({
    summary: 'verify and apply segments (files, or directories of them); idempotent', json: true,
    positionals: [{ name: 'paths', help: 'segment files or directories', required: true, rest: true }],
  }),
  'trust show': command({ summary: "this node's public key and id, for other nodes' `trust add`", json: true }),
  'trust add': command({
    summary: 'trust a node (by its public key) to sync with this one',
    options: { name: text('NAME', 'a name for it (for --peer and listings)') },
    positionals: [{ name: 'key', help: 'its public key, from `smollama trust show` on it', required: true }],
  }),
  'trust list': command({ summary: 'the trusted nodes (added here or in the config)', json: true }),
  'trust remove': command({
    summary: 'stop trusting a node added with trust add',
    positionals: [{ name: 'node', help: 'its name, node id or key', required: true }],
  }),
};

const globalOptions = {
  'data-dir': text('DIR', 'data directory (default ./data)'),
  config: text('FILE', 'config file (default ./smollama.yaml)'),
  name: text('NAME', 'node name'),
  role: text('ROLE', 'llama or alpaca'),
  port: text('PORT', 'HTTP port'),
  'log-level': text('LEVEL', 'log level: error, warn, info, debug, … (log.level)'),
  set: texts('KEY=VALUE', 'set any config key, e.g. sensors.gpio.mode=simulated'),
  json: flag('print JSON (read commands)'),
  help: flag('show help', 'h'),
  version: flag('print the version', 'V'),
};

/** A command's full name, e.g. `journal tail`. */
export type CommandName = keyof typeof commands;
type ArgsOf<C> = C extends CommandSpec<infer O, infer P> ? OptionsOf<O> & PositionalsOf<P> : never;

/** What every command gets besides its own arguments. `configFile` is `--config`, for loadConfig's `file`. */
export interface GlobalArgs {
  readonly configFile: string | undefined; readonly configFlags: ConfigFlags; readonly json: boolean;
}

/** A command with its typed arguments, or a request for help on a topic. */
export type ParsedCommand =
  | { readonly name: 'help'; readonly topic: string | undefined }
  | { readonly name: 'version' }
  | { [K in CommandName]: { readonly name: K; readonly args: ArgsOf<(typeof commands)[K]>; readonly global: GlobalArgs } }[CommandName];

const table: Readonly<Record<string, CommandSpec>> = commands as unknown as Record<string, CommandSpec>;
const groupOf = (word: string): string[] => Object.keys(table).filter((n) => n.startsWith(`${word} `));

// The union of every option, so the first pass knows which options take a value wherever they appear.
const allOptions: Record<string, OptionSpec<unknown>> = { ...globalOptions };
for (const [name, opt, o] of Object.entries(table).flatMap(([n, c]) => Object.entries(c.options).map(([k, v]) => [n, k, v] as const))) {
  const seen = allOptions[opt];
  if (seen && (seen.type !== o.type || seen.multiple !== o.multiple)) throw new TypeError(`option --${opt} of ${name} clashes with another --${opt}`);
  allOptions[opt] = o;
}
const parseArgsOptions = Object.fromEntries(
  Object.entries(allOptions).map(([k, o]) => [k, { type: o.type, multiple: o.multiple === true, ...(o.short ? { short: o.short } : {}) }]),
);

/** Finds the command named by the leading words; returns it and the words after it. */
function resolveCommand(words: readonly string[], help: boolean): { name: string; rest: string[] } | { topic: string | undefined } {
  const [first, second] = words;
  if (first === undefined) return { topic: undefined };
  if (first === 'help') {
    const topic = words.slice(1).join(' ') || undefined;
    if (topic !== undefined && !table[topic] && groupOf(topic).length === 0) throw usage(`help: unknown command '${topic}'`);
    return { topic };
  }
  if (table[first]) return { name: first, rest: words.slice(1) };
  const group = groupOf(first);
  if (group.length === 0) throw usage(`unknown command '${first}' (commands: ${[...new Set(Object.keys(table).map((n) => n.split(' ')[0]))].join(', ')})`);
  const subs = group.map((n) => n.slice(first.length + 1)).join(', ');
  if (second === undefined && help) return { topic: first };
  if (second === undefined) throw usage(`${first} needs a subcommand: ${subs}`);
  const name = `${first} ${second}`;
  if (!table[name]) throw usage(`unknown ${first} command '${second}' (expected one of ${subs})`);
  return { name, rest: words.slice(2) };
}

const shortFlags = new Set(Object.values(allOptions).flatMap((o) => (o.short ? [o.short] : [])));
type Token = ReturnType<typeof parseArgs>['tokens'] extends (infer T)[] | undefined ? T : never;

/**
 * A word such as `-dEj7M5…` or `-gw4D…d-Fp…` is an argument, not a cluster of short options:
 * public keys are base64url and may start with a dash (and hold more dashes). A lone `-x` is an
 * option (unknown ones are refused by name), and so is a cluster made only of known short flags
 * (`-h`). Such words are hidden from parseArgs behind a placeholder and restored afterwards:
 * parseArgs expands a cluster into one token per letter, so its tokens cannot be mapped back to
 * the word by index.
 */
const HIDDEN = '\u0000arg:';

function hideDashWords(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((word, i) => ((end === -1 || i < end) && /^-[^-]./.test(word) && ![...word.slice(1)].every((c) => shortFlags.has(c)) ? `${HIDDEN}${word}` : word));
}

const restoreDashWord = (v: string): string => (v.startsWith(HIDDEN) ? v.slice(HIDDEN.length) : v);

/** Positionals get their words back; option values keep the placeholder until they are checked (a hidden word is a value, `--limit --follow` is not). */
function restoreDashWords(tokens: readonly Token[]): Token[] {
  return tokens.map((t) => (t.kind === 'positional' ? { ...t, value: restoreDashWord(t.value) } : t));
}

/** Parses argv (without node and script). Throws SMOL_CLI_USAGE naming the bad command, option or value. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const parsed = parseArgs({ args: hideDashWords(argv), options: parseArgsOptions, strict: false, allowPositionals: true, tokens: true });
  const tokens = restoreDashWords(parsed.tokens);
  const words = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const help = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  // `smollama --version` (or `-V` after any command, as git does) needs no valid command.
  if (!help && tokens.some((t) => t.kind === 'option' && t.name === 'version')) return { name: 'version' };
  const found = resolveCommand(words, help);
  if ('topic' in found) return { name: 'help', topic: found.topic };
  if (help) return { name: 'help', topic: found.name };
  const spec = table[found.name] as CommandSpec;

  const raw: Record<string, Raw> = {};
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const o = spec.options[t.name] ?? (t.name !== 'json' || spec.json ? globalOptions[t.name as keyof typeof globalOptions] : undefined);
    if (!o) throw usage(t.name === 'json' ? `--json is only for read commands, not '${found.name}'` : `unknown option ${t.rawName} for '${found.name}'`);
    if (o.type === 'boolean') {
      if (t.inlineValue) throw usage(`${t.rawName} takes no value`);
      raw[t.name] = true;
    } else {
      // parseArgs would take `--limit --follow` as limit "--follow"; a value must not look like an option.
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))) throw usage(`${t.rawName} needs a value`);
      const value = restoreDashWord(t.value);
      raw[t.name] = o.multiple ? [...((raw[t.name] as string[] | undefined) ?? []), value] : value;
    }
  }

  const args: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(spec.options)) args[k] = o.convert(raw[k], `--${k}`);
  const restSpec = spec.positionals.at(-1)?.rest ? spec.positionals.at(-1) : undefined;
  if (restSpec) {
    const words = found.rest.slice(spec.positionals.length - 1);
    if (words.length === 0 && restSpec.required) throw usage(`${found.name} needs <${restSpec.name}…>`);
    args[restSpec.name] = words;
    found.rest.length = Math.min(found.rest.length, spec.positionals.length - 1);
  }
  if (found.rest.length > spec.positionals.length) throw usage(`unexpected argument '${found.rest[spec.positionals.length]}' for '${found.name}'`);
  spec.positionals.forEach((p, i) => {
    if (p === restSpec) return;
    const value = found.rest[i];
    if (value === undefined && p.required) throw usage(`${found.name} needs <${p.name}>`);
    const problem = value === undefined ? undefined : p.check?.(value);
    if (problem) throw usage(`${found.name}: ${problem}`);
    args[p.name] = value;
  });
  const problem = spec.check?.(args as never);
  if (problem) throw usage(`${found.name}: ${problem}`);

  const set = globalOptions.set.convert(raw['set'], '--set');
  for (const s of set) if (s.indexOf('=') <= 0) throw usage(`--set expects KEY=VALUE, got "${s}"`);
  const str = (k: string) => raw[k] as string | undefined;
  const configFlags: ConfigFlags = { dataDir: str('data-dir'), name: str('name'), role: str('role'), port: str('port'), logLevel: str('log-level'), set };
  return { name: found.name, args, global: { configFile: str('config'), configFlags, json: raw['json'] === true } } as ParsedCommand;
}

/** Every command with its options (own and common) and positionals, for shell completion: one table, no copy. */
export function commandTable(): Array<{ name: string; options: string[]; positionals: string[] }> {
  return Object.entries(table).map(([name, spec]) => ({
    name,
    options: [...Object.keys(spec.options), ...Object.keys(globalOptions).filter((k) => k !== 'json' || spec.json)].map((k) => `--${k}`),
    positionals: spec.positionals.map((p) => p.name),
  }));
}

const row = (left: string, right: string): string => `  ${left.padEnd(24)} ${right}`;
const optionRows = (opts: Readonly<Record<string, OptionSpec<unknown>>>): string[] =>
  Object.entries(opts).map(([k, o]) => row(`${o.short ? `-${o.short}, ` : ''}--${k}${o.value ? ` ${o.value}` : ''}`, o.help));

/** Help text: the command list, or one command's (or group's) usage and options. */
export function usageText(topic?: string): string {
  const spec = topic === undefined ? undefined : table[topic];
  const group = topic === undefined ? [] : groupOf(topic);
  if (spec && topic !== undefined) {
    const pos = spec.positionals.map((p) => (p.required ? `<${p.name}${p.rest ? '…' : ''}>` : `[${p.name}${p.rest ? '…' : ''}]`)).join(' ');
    const globals = Object.fromEntries(Object.entries(globalOptions).filter(([k]) => k !== 'json' || spec.json));
    return [
      `Usage: smollama ${topic}${pos ? ` ${pos}` : ''} [options]`, '', spec.summary, '',
      ...(spec.positionals.length ? ['Arguments:', ...spec.positionals.map((p) => row(p.name, p.help)), ''] : []),
      ...(Object.keys(spec.options).length ? ['Options:', ...optionRows(spec.options), ''] : []),
      'Common options:', ...optionRows(globals), '',
    ].join('\n');
  }
  const names = group.length > 0 ? group : Object.keys(table);
  return [
    `Usage: smollama ${group.length > 0 ? `${topic} <command>` : '<command>'} [options]`, '',
    'Commands:', ...names.map((n) => row(n, table[n]?.summary ?? '')), '',
    'Common options:', ...optionRows(globalOptions), '',
    "Run 'smollama help <command>' for a command's own options.", '',
  ].join('\n');
}
