import t, { type Test } from 'tap';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ErrorCodes } from '../core/errors.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

// `smollama doctor` as a user runs it (a process), against the scripted Ollama-protocol server
// driven by the real `ollama` client. Ports are 0 so that nothing on this machine decides the result.

interface Check { name: string; status: 'ok' | 'warn' | 'fail'; message: string; remedy?: string; code?: string }
interface Report { checks: Check[]; worst: 'ok' | 'warn' | 'fail' }

async function doctor(t: Test, ollama: string, extra: string[] = [], dataDir?: string): Promise<CliResult> {
  return runCli(['doctor', '--data-dir', dataDir ?? join(tempDir(t), 'data'), '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', `llm.host=${ollama}`, ...extra]);
}

const report = (r: CliResult): Report => JSON.parse(r.stdout) as Report;
const check = (r: Report, name: string): Check => {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${JSON.stringify(r.checks.map((x) => x.name))}`);
  return c;
};
const noStack = (t: Test, r: CliResult) => t.notMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

/** A port that was free a moment ago and that nobody listens on: a stopped broker. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function fakeOllama(t: Test, models: string[], extra: Partial<Parameters<typeof FakeOllama.start>[0]> = {}): Promise<FakeOllama> {
  const fake = await FakeOllama.start({ models, ...extra });
  t.teardown(() => fake.close());
  return fake;
}

t.test('with Ollama and both models present every model check is ok and the doctor exits 0 with {checks, worst}', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm:latest']);
  const r = await doctor(t, fake.url, ['--json']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  const rep = report(r);
  t.not(rep.worst, 'fail');
  for (const c of rep.checks) {
    t.type(c.name, 'string');
    t.ok(['ok', 'warn', 'fail'].includes(c.status), `${c.name} has a status`);
    t.type(c.message, 'string');
    if (c.status !== 'ok') t.type(c.remedy, 'string', `${c.name} (${c.status}) names a remedy`);
  }
  const names = rep.checks.map((c) => c.name);
  for (const n of ['node', 'data dir', 'disk', 'http port', 'mqtt port', 'ollama', 'chat model', 'embedding model', 'gpio', 'clock', 'mqtt broker', 'trust list', 'peers']) t.ok(names.includes(n), `checks ${n}`);
  t.equal(check(rep, 'ollama').status, 'ok');
  t.equal(check(rep, 'chat model').status, 'ok');
  t.equal(check(rep, 'embedding model').status, 'ok', 'all-minilm matches all-minilm:latest');
  t.ok(fake.requests.some((q) => q.path === '/api/show'), 'the models were shown, not only listed');
  noStack(t, r);
});

t.test('a missing chat model fails with the pull as remedy; the doctor exits 1 and one line says so', async (t) => {
  const fake = await fakeOllama(t, ['all-minilm']);
  const json = await doctor(t, fake.url, ['--json']);
  t.equal(json.code, 1);
  const chat = check(report(json), 'chat model');
  t.equal(chat.status, 'fail');
  t.equal(chat.code, ErrorCodes.NOT_FOUND);
  t.match(chat.remedy, 'ollama pull qwen2.5:1.5b');
  t.equal(report(json).worst, 'fail');

  const human = await doctor(t, fake.url);
  t.equal(human.code, 1);
  const line = human.stdout.split('\n').find((l) => l.startsWith('fail  chat model'));
  t.ok(line, human.stdout);
  t.match(line, /qwen2\.5:1\.5b.*fix: ollama pull qwen2\.5:1\.5b/);
  t.match(human.stdout, /^ok {4}node /m, 'one line per check');
  noStack(t, human);
});

t.test('a missing embedding model with the offline fallback on is a warning (the node runs), off it is a failure', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b']);
  const on = await doctor(t, fake.url, ['--json']);
  t.equal(check(report(on), 'embedding model').status, 'warn');
  t.equal(on.code, 0, 'a warning exits 0');
  const off = await doctor(t, fake.url, ['--json', '--set', 'llm.embeddings.offlineFallback=false']);
  t.equal(check(report(off), 'embedding model').status, 'fail');
  t.equal(off.code, 1);
});

t.test('--pull pulls the missing models through Ollama with progress lines, then they are ok', async (t) => {
  const fake = await fakeOllama(t, [], { pullBytes: 5_000_000, pullSteps: 5 });
  const r = await doctor(t, fake.url, ['--pull']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^ok {4}chat model +qwen2\.5:1\.5b/m);
  t.match(r.stdout, /^ok {4}embedding model +all-minilm/m);
  const pulls = fake.requests.filter((q) => q.path === '/api/pull').map((q) => { const b = q.body as { model?: string; name?: string }; return b.model ?? b.name; });
  t.same(pulls, ['qwen2.5:1.5b', 'all-minilm']);
  t.match(r.stderr, 'pull qwen2.5:1.5b: pulling manifest');
  t.match(r.stderr, /pull qwen2\.5:1\.5b: pulling \w+ \[#+-*\] +\d+%/, 'progress of the layer');
  t.match(r.stderr, /100%/);
  t.match(r.stderr, 'pull all-minilm: success');
  t.notMatch(r.stderr, '\r', 'no bar redraws when stderr is not a terminal');

  const json = await doctor(t, fake.url, ['--pull', '--json']);
  t.equal(json.stderr, '', 'nothing on stderr with --json (and nothing left to pull)');
});

t.test('a pull that Ollama refuses is a failure with the remedy', async (t) => {
  const fake = await fakeOllama(t, ['all-minilm'], { pullable: [] });
  const r = await doctor(t, fake.url, ['--pull', '--json']);
  t.equal(r.code, 1);
  const chat = check(report(r), 'chat model');
  t.equal(chat.status, 'fail');
  t.match(chat.message, 'the pull failed');
  noStack(t, r);
});

t.test('Ollama not running: a failure that says where it looked and how to start it', async (t) => {
  const r = await doctor(t, `http://127.0.0.1:${await deadPort()}`, ['--json']);
  t.equal(r.code, 1);
  const o = check(report(r), 'ollama');
  t.equal(o.status, 'fail');
  t.equal(o.code, ErrorCodes.LLM_UNREACHABLE);
  t.match(o.remedy, 'ollama pull qwen2.5:1.5b');
  noStack(t, r);
});

t.test('a stopped MQTT broker fails with the remedy', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm']);
  const r = await doctor(t, fake.url, ['--json', '--set', `mqtt.url=mqtt://127.0.0.1:${await deadPort()}`]);
  t.equal(r.code, 1);
  const b = check(report(r), 'mqtt broker');
  t.equal(b.status, 'fail');
  t.equal(b.code, ErrorCodes.MQTT_UNREACHABLE);
  t.match(b.remedy, /mosquitto/);
  t.notOk(report(r).checks.some((c) => c.name === 'mqtt port'), 'with a broker configured no embedded broker port is checked');
  noStack(t, r);
});

t.test('a data directory other users can read is a warning with the chmod, and the doctor changes nothing', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm']);
  const dir = join(tempDir(t), 'wide');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'http-tokens.json'), '{}');
  chmodSync(join(dir, 'http-tokens.json'), 0o644);
  const r = await doctor(t, fake.url, ['--json'], dir);
  const d = check(report(r), 'data dir');
  t.equal(d.status, 'warn');
  t.equal(d.code, ErrorCodes.FILE_PERMISSIONS);
  t.match(d.remedy, `chmod 700 ${dir}`);
  t.match(d.remedy, `chmod 600 ${join(dir, 'http-tokens.json')}`);
  t.equal(statSync(dir).mode & 0o777, 0o755, 'the mode is left as it was');
  t.not(r.code, 1, 'a warning alone does not fail');
});

t.test('a data directory under a file is a failure, not an error', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm']);
  const file = join(tempDir(t), 'a-file');
  writeFileSync(file, 'x');
  const r = await doctor(t, fake.url, ['--json'], join(file, 'data'));
  t.equal(r.code, 1, r.stderr);
  const d = check(report(r), 'data dir');
  t.equal(d.status, 'fail');
  t.equal(d.code, ErrorCodes.CONFIG_UNREADABLE);
  noStack(t, r);
});

t.test('an HTTP port in use fails, unless this node (status file, live pid) holds it', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm']);
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = String((taken.address() as AddressInfo).port);
  const dir = join(tempDir(t), 'data');
  mkdirSync(dir, { mode: 0o700 });
  // The last --port wins over the helper's --port 0.
  const args = ['--json', '--set', 'http.host=127.0.0.1', '--port', port];
  const other = await doctor(t, fake.url, args, dir);
  const busy = check(report(other), 'http port');
  t.equal(busy.status, 'fail');
  t.equal(busy.code, ErrorCodes.HTTP_LISTEN_FAILED);

  // This test process stands in for the running node: its pid is alive.
  const now = new Date().toISOString();
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ running: true, pid: process.pid, nodeId: 'x', name: 'n', role: 'llama', startedAt: now, updatedAt: now, lastPosition: 0, vector: {}, gpioMode: null, http: null }));
  const mine = await doctor(t, fake.url, args, dir);
  const held = check(report(mine), 'http port');
  t.equal(held.status, 'ok');
  t.match(held.message, `held by this node (running, pid ${process.pid})`);
});

t.test('a damaged trust.json fails as SMOL_FILE_CORRUPT; an unreachable peer is a warning', async (t) => {
  const fake = await fakeOllama(t, ['qwen2.5:1.5b', 'all-minilm']);
  const dir = join(tempDir(t), 'data');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'trust.json'), '{"keys": [tru');
  const peers = JSON.stringify([{ name: 'hub', url: `http://127.0.0.1:${await deadPort()}` }]);
  const r = await doctor(t, fake.url, ['--json', '--set', `sync.peers=${peers}`], dir);
  const trust = check(report(r), 'trust list');
  t.equal(trust.status, 'fail');
  t.equal(trust.code, ErrorCodes.FILE_CORRUPT);
  t.match(trust.remedy, 'trust add');
  const peer = check(report(r), 'peer hub');
  t.equal(peer.status, 'warn');
  t.equal(peer.code, ErrorCodes.SYNC_PEER_FAILED);
  noStack(t, r);
});
