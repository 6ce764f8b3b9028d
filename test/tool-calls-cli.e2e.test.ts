import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { main } from '../adapters/cli/main.js';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { ErrorCodes } from '../core/errors.js';
import { spawnCli, waitForOutput } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// `smollama tool`: a tool called directly from the shell, through a running node (a real process)
// or, on a stopped node, here on its journal; journaled with via cli either way.
t.setTimeout(300_000);

const NO_MODEL = ['--set', 'llm.host=http://127.0.0.1:9', '--set', 'llm.retries=0'];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

/** `smollama …` in this process, on `dir`. */
async function cli(dir: string, args: string[]) {
  const c = capture();
  const code = await main([...args, '--data-dir', dir, ...NO_MODEL], c.output, {}, dir);
  return { code, stdout: c.out.join('\n'), stderr: c.err.join('\n') };
}

async function startNode(t: Test, dir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawnCli(['start', '--data-dir', dir, '--port', '0', '--set', 'mqtt.enabled=false', '--set', 'observer.enabled=false', '--set', 'sensors.system.enabled=false', '--set', 'sensors.gpio.mode=simulated', '--set', 'journal.minFreeBytes=0', ...NO_MODEL]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  const url = (await waitForOutput(child, /dashboard: (\S+)/, 60_000)).replace('dashboard: ', '');
  await waitFor(() => {
    try {
      return (JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { pid: number }).pid === child.pid;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000, message: 'status.json naming the node' });
  return { child, url, exited };
}

async function toolEvents(dir: string) {
  const journal = await openDataDirJournal(dir);
  const out: Array<{ type: string; data: Record<string, unknown> }> = [];
  try {
    for await (const e of journal.read({ types: ['tool.called', 'tool.completed'] })) out.push({ type: e.event.type, data: e.event.data as Record<string, unknown> });
  } finally {
    await journal.close();
  }
  return out;
}

t.test('while the node runs, smollama tool calls go through its API with the admin token and are journaled with via cli', async (t) => {
  const dir = tempDir(t);
  const node = await startNode(t, dir);

  const math = await cli(dir, ['tool', 'math', '--json', '{"expression": "6 * 7"}']);
  t.equal(math.code, 0, math.stderr);
  t.match(JSON.parse(math.stdout), { tool: 'math', result: { value: 42 }, via: 'running node' }, '--json with the arguments as one JSON object');

  const write = await cli(dir, ['tool', 'gpio_write', '--arg', 'pin=led', '--arg', 'value=1']);
  t.equal(write.code, 0, write.stderr);
  t.match(JSON.parse(write.stdout), { pin: 'led', value: 1 }, 'a tool that writes runs: the CLI holds the admin token');

  const bad = await cli(dir, ['tool', 'gpio_write', '--arg', 'pin=led', '--arg', 'value=on']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^error SMOL_TOOL_ARGS_INVALID: gpio_write: value/, 'bad arguments name the field');
  const unknown = await cli(dir, ['tool', 'make_coffee']);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /^error SMOL_TOOL_UNKNOWN/);

  const list = await cli(dir, ['tool', '--json']);
  t.equal(list.code, 0, list.stderr);
  const tools = (JSON.parse(list.stdout) as { tools: Array<{ name: string; readOnly: boolean }> }).tools;
  t.match(tools.find((x) => x.name === 'gpio_write'), { readOnly: false }, 'no tool name: the list, from the running node');

  node.child.kill('SIGINT');
  t.equal(await node.exited, 0);
  const events = await toolEvents(dir);
  t.same(events.map((e) => [e.type, e.data['tool']]), [['tool.called', 'math'], ['tool.completed', 'math'], ['tool.called', 'gpio_write'], ['tool.completed', 'gpio_write']], 'the two good calls, not the bad ones');
  t.ok(events.filter((e) => e.type === 'tool.called').every((e) => (e.data['caller'] as { kind: string; via: string }).via === 'cli' && (e.data['caller'] as { kind: string }).kind === 'cli'), 'journaled as called from the CLI');
  t.match(events[3], { data: { ok: true, result: { pin: 'led', value: 1 } } });
});

t.test('on a stopped node smollama tool runs here on its journal; GPIO tools say they need the running node', async (t) => {
  const dir = tempDir(t);
  const put = await cli(dir, ['tool', 'storage_put', '--arg', 'key=greeting', '--arg', 'value="hello"']);
  t.equal(put.code, 0, put.stderr);
  const get = await cli(dir, ['tool', 'storage_get', '--arg', 'key=greeting', '--json']);
  t.equal(get.code, 0, get.stderr);
  t.match(JSON.parse(get.stdout), { tool: 'storage_get', via: 'journal', result: { value: 'hello' } });

  const gpio = await cli(dir, ['tool', 'gpio_write', '--arg', 'pin=led', '--arg', 'value=1']);
  t.equal(gpio.code, 1);
  t.match(gpio.stderr, /^error SMOL_TOOL_UNKNOWN: .*need it \(smollama start\)/);
  const notObject = await cli(dir, ['tool', 'math', '[1]']);
  t.equal(notObject.code, 2);
  t.match(notObject.stderr, /^error SMOL_CLI_USAGE/);
  const badPair = await cli(dir, ['tool', 'math', '--arg', 'expression']);
  t.equal(badPair.code, 2, '--arg without = is a usage error');

  const events = await toolEvents(dir);
  t.same(events.map((e) => [e.type, e.data['tool']]), [['tool.called', 'storage_put'], ['tool.completed', 'storage_put'], ['tool.called', 'storage_get'], ['tool.completed', 'storage_get']]);
  t.match(events[0], { data: { args: { key: 'greeting', value: 'hello' }, caller: { kind: 'cli', via: 'cli' } } });
  t.equal(ErrorCodes.TOOL_UNKNOWN, 'SMOL_TOOL_UNKNOWN');
});
