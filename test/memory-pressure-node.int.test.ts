import t from 'tap';
import { request } from 'node:http';
import { loadConfig } from '../adapters/config/load-config.js';
import { startNode } from '../adapters/cli/commands/start.js';
import type { Output } from '../adapters/cli/output.js';
import type { MemoryReading } from '../adapters/sensors/memory-readers.js';
import type { Journal } from '../core/journal/journal.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { WsTestClient } from './helpers/ws-client.js';

// The memory unit (issue 11, item 5) on a real node with real HTTP: only the samples are driven
// (StartOptions.memoryReader), so the level is the test's to set.

const MIB = 1024 * 1024;

interface Health {
  status: string;
  memory?: { level: string; budgetMb: number; rssMb: number | null; psiSomeAvg10: number | null };
  units: Array<{ name: string; state: string; code?: string }>;
}

async function pressureEvents(journal: Journal): Promise<Array<{ level: string; previous: string; rssBytes?: number }>> {
  const out = [];
  for await (const e of journal.read({ types: ['memory.pressure'] })) out.push(e.event.data as { level: string; previous: string; rssBytes?: number });
  return out;
}

/** POST /sync/push with only headers: the gate answers before any body is sent. */
function pushHeaders(url: string, length: number): Promise<{ status: number; code: string | undefined; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/sync/push', url), { method: 'POST', headers: { 'content-type': 'application/x-smollama-segment', 'content-length': String(length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { error?: { code?: string } };
        resolve({ status: res.statusCode ?? 0, code: body.error?.code, retryAfter: res.headers['retry-after'] as string | undefined });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

t.test('a node over its tiny budget goes high, journals memory.pressure once, refuses WebSocket catch-ups and large sync pushes with SMOL_MEMORY_PRESSURE, and recovers', async (t) => {
  const cwd = tempDir(t);
  const config = await loadConfig({
    cwd,
    env: {},
    flags: {
      port: '0',
      set: ['http.host=127.0.0.1', 'mqtt.enabled=false', 'observer.enabled=false', 'sensors.system.intervalMs=100', 'sensors.gpio.mode=simulated', 'llm.host=http://127.0.0.1:9', 'memory.budgetMb=32', 'memory.sampleIntervalMs=250', 'log.format=json'],
    },
  });
  let rss = 8 * MIB;
  let samples = 0;
  const memoryReader = async (): Promise<MemoryReading> => {
    samples++;
    return { sample: { rssBytes: rss, memTotalBytes: 2048 * MIB, memAvailableBytes: 1024 * MIB }, problems: [] };
  };
  const lines: string[] = [];
  const output: Output = { out: (l) => void lines.push(l), err: (l) => void lines.push(l) };
  const running = await startNode(config, output, { memoryReader });
  t.teardown(() => running.stop('test'));
  const url = running.http.url;
  const health = async () => (await (await fetch(new URL('/api/health', url))).json()) as Health;
  const memoryUnit = (h: Health) => h.units.find((u) => u.name === 'memory');

  const calm = await health();
  t.equal(calm.memory?.level, 'normal', 'normal while RSS is a quarter of the budget');
  t.equal(calm.memory?.budgetMb, 32);
  t.equal(calm.memory?.psiSomeAvg10, null, 'PSI not sampled: null, not 0');
  t.equal(memoryUnit(calm)?.state, 'running');
  t.same(await pressureEvents(running.node.journal), [], 'nothing journaled while normal');

  // 31 of 32 MB: past 90 %, short of the budget.
  rss = 31 * MIB;
  await waitFor(async () => (await health()).memory?.level === 'high', { timeoutMs: 10_000, message: 'the level to reach high' });
  const high = await health();
  t.equal(high.status, 'degraded', 'the node reports degraded (still 200)');
  t.match(memoryUnit(high), { state: 'degraded', code: 'SMOL_MEMORY_PRESSURE' });
  await waitFor(async () => (await pressureEvents(running.node.journal)).length > 0, { message: 'memory.pressure to be journaled' });
  // Several more samples at the same level (and one that hovers just under 90 %) change nothing.
  const seen = samples;
  rss = 28.5 * MIB;
  await waitFor(() => samples >= seen + 5, { message: 'five more samples' });
  const events = await pressureEvents(running.node.journal);
  t.equal(events.length, 1, 'journaled once');
  t.match(events[0], { level: 'high', previous: 'normal', rssBytes: 31 * MIB });
  t.equal(lines.filter((l) => l.includes('memory pressure normal → high')).length, 1, 'logged once');
  // A look inside the journal (no port exposes it): the ring of recent events gave memory back.
  const ring = () => (running.node.journal as unknown as { state: { ring: { capacity: number } } }).state.ring.capacity;
  t.equal(ring(), 256, 'the recent-events ring is down to memory.ringUnderPressure');

  const ws = await WsTestClient.connect(`${url.replace('http', 'ws')}ws`, { authorization: `Bearer ${running.http.tokens.read}` });
  t.teardown(() => ws.close());
  await ws.until(() => ws.messages.some((m) => m.op === 'hello'), 5000, 'hello');
  ws.send({ op: 'subscribe', fromPosition: 1 });
  await ws.until(() => ws.messages.some((m) => m.op === 'error' || m.op === 'subscribed'), 5000, 'an answer to the catch-up');
  t.match(ws.messages.find((m) => m.op === 'error' || m.op === 'subscribed'), { op: 'error', code: 'SMOL_MEMORY_PRESSURE' }, 'a catch-up from position 1 is refused');
  ws.send({ op: 'subscribe' });
  await ws.until(() => ws.messages.some((m) => m.op === 'subscribed'), 5000, 'a live subscription');
  t.pass('a subscription at the live edge is still served');

  const large = await pushHeaders(url, 2 * MIB);
  t.same(large, { status: 503, code: 'SMOL_MEMORY_PRESSURE', retryAfter: '30' }, 'a 2 MiB sync push is refused before its body is read');
  const small = await pushHeaders(url, 1000);
  t.not(small.code, 'SMOL_MEMORY_PRESSURE', 'a small push goes on to the signature check');
  t.equal(small.status, 401, '(and is refused there, unsigned)');

  // Back to a quarter of the budget: three calm samples later the node is normal again.
  rss = 8 * MIB;
  await waitFor(async () => (await health()).memory?.level === 'normal', { timeoutMs: 10_000, message: 'the level to come back to normal' });
  const recovered = await health();
  t.equal(ring(), 4096, 'the ring is back to its normal size');
  t.equal(memoryUnit(recovered)?.state, 'running');
  await waitFor(async () => (await pressureEvents(running.node.journal)).length === 2, { message: 'the recovery to be journaled' });
  t.match((await pressureEvents(running.node.journal))[1], { level: 'normal', previous: 'high' });
  t.equal((await pushHeaders(url, 2 * MIB)).code, 'SMOL_AUTH_REQUIRED', 'a large push is no longer refused for memory');
  const before = ws.messages.length;
  ws.send({ op: 'subscribe', fromPosition: 1 });
  await ws.until(() => ws.messages.slice(before).some((m) => m.op === 'events' || m.op === 'error'), 5000, 'the catch-up to be served');
  t.notOk(ws.messages.slice(before).some((m) => m.op === 'error'), 'the same catch-up is served now');
  t.ok(ws.messages.slice(before).some((m) => m.op === 'events' && (m.entries ?? []).some((e) => e.position === 1)), 'from position 1');
});
