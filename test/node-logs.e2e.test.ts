import t, { type Test } from 'tap';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli, spawnCli, waitForOutput } from './helpers/cli.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Issue 10 items 1 and 2: a real node process logging JSON lines (log.format json), its units in
// /api/health, a 500 logged with its cause, and a broker that refuses every connection logged once.

interface LogLine { level: string; time: string; unit?: string; msg: string; err?: { type?: string; code?: string; message?: string }; reqId?: string; repeated?: number }
interface Health { status: string; units: Array<{ name: string; state: string; code?: string }>; problems: Array<{ code: string; unit?: string }> }

/** An MQTT "broker" that answers every CONNECT with an AUTH packet the client refuses (an error each time, then a reconnect), counting the attempts. */
async function refusingBroker(t: Test): Promise<{ url: string; attempts: () => number }> {
  let attempts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => {
      attempts += 1;
      void d;
      socket.end(Buffer.from([0xf0, 0x00]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts: () => attempts };
}

t.test('a node with log.format json: JSON lines with level and unit, units in /api/health, a 500 logged with its cause, a refusing broker logged once', async (t) => {
  const dir = tempDir(t);
  const broker = await refusingBroker(t);
  // Every chat answer is garbage: the agent's question ends in SMOL_LLM_BAD_OUTPUT, a 500.
  const ollama = await FakeOllama.start({ chat: () => ({ raw: { nonsense: true } }) });
  t.teardown(() => ollama.close());
  const child = spawnCli([
    'start', '--data-dir', join(dir, 'data'), '--port', '0',
    '--set', 'log.format=json',
    '--set', `mqtt.url=${broker.url}`,
    '--set', 'observer.enabled=false',
    '--set', 'sensors.gpio.mode=simulated',
    '--set', `llm.host=${ollama.url}`,
  ]);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  t.teardown(() => void child.kill('SIGKILL'));
  const url = (await waitForOutput(child, /dashboard: \S+/, 60_000)).slice('dashboard: '.length);
  const logLines = (): LogLine[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);

  await waitFor(() => logLines().some((l) => l.msg === 'node started'), { timeoutMs: 10_000, message: 'the "node started" log line' });
  const lines = logLines();
  t.ok(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && typeof l.msg === 'string'), 'every JSON line has a level, a time and a message');
  t.ok(lines.some((l) => l.unit === 'http'), 'the HTTP unit logs with unit "http"');
  t.equal(lines.find((l) => l.msg === 'node started')?.unit, 'node');

  // /api/health lists every unit; the broker that refuses us makes mqtt degraded, and the node with it.
  const health = await waitForValue(async () => {
    const h = (await (await fetch(new URL('/api/health', url))).json()) as Health;
    return h.units.find((u) => u.name === 'mqtt')?.state === 'degraded' ? h : undefined;
  }, { timeoutMs: 15_000, message: 'the mqtt unit to be degraded while the broker refuses' });
  for (const name of ['journal', 'node', 'agent', 'mqtt', 'sync', 'http', 'begin']) t.ok(health.units.some((u) => u.name === name), `/api/health lists the ${name} unit`);
  t.equal(health.units.find((u) => u.name === 'journal')?.state, 'running');
  t.equal(health.units.find((u) => u.name === 'mqtt')?.code, 'SMOL_MQTT_UNREACHABLE');
  t.equal(health.status, 'degraded', 'a degraded unit makes the node degraded');
  t.ok(health.problems.some((p) => p.unit === 'mqtt' && p.code === 'SMOL_MQTT_UNREACHABLE'), 'and is one of its problems');

  // A refusal repeated on every reconnect is logged once (then once a minute, with a count).
  await waitFor(() => broker.attempts() >= 6, { timeoutMs: 30_000, message: '6 connection attempts to the refusing broker' });
  const refusals = logLines().filter((l) => /auth packet|auth reason code/i.test(l.msg));
  t.ok(refusals.length >= 1 && refusals.length <= 2, `the refusal is logged once per client, not once per attempt (${refusals.length} lines for ${broker.attempts()} attempts)`);
  t.ok(refusals.every((l) => l.level === 'warn' && l.unit === 'mqtt'), 'as a warning of the mqtt unit');

  // A model answering garbage: the client gets a 5xx with the code; the node log has the error, with its cause, at level error.
  const res = await fetch(new URL('/v1/chat/completions', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen2.5:1.5b', messages: [{ role: 'user', content: 'how warm is it?' }] }) });
  const body = (await res.json()) as { error: { code: string } };
  t.ok(res.status >= 500, `a model answering garbage is a ${res.status} (${JSON.stringify(body)})`);
  t.equal(body.error.code, 'SMOL_LLM_BAD_OUTPUT');
  const logged = await waitForValue(() => logLines().find((l) => /request failed/.test(l.msg)), { timeoutMs: 10_000, message: 'the failed request in the log' });
  t.equal(logged.level, 'error', 'at level error (journalctl -p err shows it)');
  t.equal(logged.unit, 'http');
  t.equal(logged.err?.code, 'SMOL_LLM_BAD_OUTPUT', 'with the error and its code');
  t.ok(typeof logged.err?.message === 'string' && logged.err.message.length > 0, `and its message (${logged.err?.message})`);
  t.ok(logged.reqId !== undefined, 'under the request id');

  // smollama status reads the running node's status.json: every unit with its state.
  const status = await waitForValue(async () => {
    const r = await runCli(['status', '--json', '--data-dir', join(dir, 'data')]);
    const v = JSON.parse(r.stdout) as { units?: Array<{ name: string; state: string; code?: string }> };
    return v.units?.find((u) => u.name === 'mqtt')?.state === 'degraded' ? v : undefined;
  }, { timeoutMs: 20_000, message: 'status.json to list the units' });
  t.same(status.units?.map((u) => u.name), health.units.map((u) => u.name), 'smollama status lists the same units');
  const human = await runCli(['status', '--data-dir', join(dir, 'data')]);
  t.match(human.stdout, /^ {2}mqtt +degraded SMOL_MQTT_UNREACHABLE/m, 'and prints them, one a line');

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('close', resolve));
  t.match(stdout, /^stopped$/m);
});
