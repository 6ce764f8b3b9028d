/**
 * WebSocket and MQTT figures of issue 5. A program, not a test: it prints what it measured.
 *
 *   node --import tsx test/bench/ws-bench.ts [--json] [--quick] [--clients N] [--rate R] [--seconds S] [--rounds K]
 *
 * - event → WebSocket client latency (p50/p99/max) with N clients (default 10) at R events/s
 *   (default 200), measured from just before `append` (so it includes the fsync) to the client's
 *   receipt; the clients run in a child process (their parsing is not the node's work, but on a
 *   2-core machine it competes for the same CPU, so it is in the figures);
 * - the journal's append rate (64 appenders, one event each, fsync on) alone, with those clients
 *   attached, and alone again, in K rounds (default 5, --quick 1); the drop is the median over
 *   rounds. The clients subscribe to everything, so the append storm is streamed to them too: the
 *   bench also prints how far they were behind when it ended and how long they took to catch up;
 * - MQTT publish rate of a backlog through the embedded broker, QoS 1, to one subscriber.
 * Everything happens in a temp directory that is removed at the end.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { connect } from 'mqtt';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import { buildApp, type AppNode } from '../../adapters/http/app.js';
import { generateTokens } from '../../adapters/http/auth/tokens.js';
import { startEmbeddedBroker } from '../../adapters/mqtt/embedded-broker.js';
import { MqttPublisher } from '../../adapters/mqtt/publisher.js';
import { percentile } from './stats.js';

// CLOCK_MONOTONIC via hrtime is one clock for both processes (performance.timeOrigin differs per
// process by up to a few ms, which once showed as negative latencies).
const now = () => Number(process.hrtime.bigint()) / 1e6;

// ---- child: the WebSocket clients ----------------------------------------------------------
if (process.argv[2] === '--clients-child') {
  const [url, n] = [process.argv[3]!, Number(process.argv[4])];
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  let live = 0;
  const seen: number[] = [];
  let received = 0;
  // --clients 0 is the A/A check: the same phases with nobody attached show the bench's own noise.
  if (n === 0) process.send!({ ready: true });
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url);
    sockets.push(ws);
    seen.push(0);
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe' })));
    ws.on('message', (raw) => {
      const at = now();
      const m = JSON.parse(String(raw)) as { op: string; to?: number; entries?: Array<{ event: { data: { values?: Record<string, number> } } }> };
      if (m.op === 'live' && ++live === n) process.send!({ ready: true });
      if (m.op === 'events') seen[i] = m.to!;
      received += m.entries?.length ?? 0;
      for (const e of m.entries ?? []) {
        const sent = e.event.data.values?.['bench.sent'];
        if (sent !== undefined) latencies.push(at - sent);
      }
    });
  }
  process.on('message', (m: { done?: boolean; cpu?: boolean }) => {
    if (m.cpu) return void process.send!({ cpu: process.cpuUsage(), seen: n === 0 ? Number.MAX_SAFE_INTEGER : Math.min(...seen), received, closed: sockets.filter((w) => w.readyState !== w.OPEN).length });
    if (!m.done) return;
    for (const ws of sockets) ws.close();
    process.send!({ latencies }, () => process.exit(0));
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      clients: { type: 'string', default: '10' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      'storm-events-per-s': { type: 'string' },
    },
  });
  const clients = Number(flags.clients);
  const rate = Number(flags.rate);
  const seconds = Number(flags.seconds ?? (flags.quick ? 3 : 5));
  const roundCount = Number(flags.rounds ?? (flags.quick ? 1 : 5));
  const dir = mkdtempSync(join(tmpdir(), 'smollama-ws-bench-'));
  const figures: Record<string, number | string> = { clients, rate, seconds };
  try {
    const journal = await openLevelJournal(join(dir, 'journal'));
    const stubNode: AppNode = {
      runner: () => {
        throw new TypeError('no projections in the benchmark');
      },
      gpio: undefined,
      setGpioMode: async () => undefined,
      writeGpio: async () => undefined,
    };
    const app = await buildApp({ journal, node: stubNode, info: { name: 'bench', role: 'alpaca', software: 'bench', startedAt: Date.now() }, auth: { tokens: generateTokens() }, ...(flags['storm-events-per-s'] ? { ws: { stormEventsPerS: Number(flags['storm-events-per-s']) } } : {}) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;

    // Rounds of alone → clients attached → alone; the drop of a round compares its middle run with
    // the mean of the runs around it, and the figure is the median over rounds (the machine is
    // shared, so single runs swing by ±10 %). The latency phase runs in the first round.
    const rounds: Round[] = [];
    let latencies: number[] = [];
    let appendLatencies: number[] = [];
    const total = Math.round(rate * seconds);
    for (let r = 0; r < roundCount; r++) {
      const alone = await measured(() => appendRate(journal, seconds));
      const child = fork(fileURLToPath(import.meta.url), ['--clients-child', url, String(clients)], { execArgv: ['--import', 'tsx'] });
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      const childState = () =>
        new Promise<ChildState>((resolve) => {
          const on = (m: Partial<ChildState>) => m.cpu && (child.off('message', on), resolve(m as ChildState));
          child.on('message', on);
          child.send({ cpu: true });
        });
      if (r === 0) appendLatencies = await pacedAppends(journal, rate, total);
      await new Promise((r) => setTimeout(r, 500));
      const s0 = await childState();
      const c0 = s0.cpu;
      const withClients = await measured(() => appendRate(journal, seconds));
      const end = await childState();
      const clientsCpuPercent = round(((end.cpu.user + end.cpu.system - c0.user - c0.system) / withClients.wallUs) * 100);
      // The WebSocket work slows down in a write storm (WsOptions.stormEventsPerS): the clients
      // fall behind. How far, and how long until every client has every event again:
      const stormEnd = journal.lastPosition();
      const t1 = now();
      let state = end;
      while (state.seen < stormEnd && now() - t1 < 120_000) {
        await new Promise((r) => setTimeout(r, 20));
        state = await childState();
      }
      const caughtUpMs = Math.round(now() - t1);
      const got = await new Promise<number[]>((resolve) => {
        child.once('message', (m: { latencies: number[] }) => resolve(m.latencies));
        child.send({ done: true });
      });
      if (r === 0) latencies = got;
      await new Promise((r) => setTimeout(r, 500));
      const after = await measured(() => appendRate(journal, seconds));
      const drop = round((1 - withClients.rate / ((alone.rate + after.rate) / 2)) * 100);
      const sentInStorm = clients > 0 ? Math.round((end.received - s0.received) / clients) : 0;
      rounds.push({ alone, withClients, after, drop, clientsCpuPercent, behind: stormEnd - end.seen, caughtUpMs, dropped: state.closed, sentInStorm });
    }
    const mid = (pick: (r: Round) => number) => round(median(rounds.map(pick)));
    figures.rounds = roundCount;
    figures.appendRateAloneEventsPerS = mid((r) => r.alone.rate);
    figures.appendRateWithClientsEventsPerS = mid((r) => r.withClients.rate);
    figures.appendRateAloneAfterEventsPerS = mid((r) => r.after.rate);
    figures.appendRateDropPercent = mid((r) => r.drop);
    figures.appendRateDropPerRound = rounds.map((r) => r.drop).join(' / ');
    figures.mainThreadBusyAlonePercent = mid((r) => r.alone.busyPercent);
    figures.mainThreadBusyWithClientsPercent = mid((r) => r.withClients.busyPercent);
    figures.nodeCpuAlonePercent = mid((r) => r.alone.cpuPercent);
    figures.nodeCpuWithClientsPercent = mid((r) => r.withClients.cpuPercent);
    figures.clientsCpuPercent = mid((r) => r.clientsCpuPercent);
    figures.sentPerClientInStormEvents = mid((r) => r.sentInStorm);
    figures.clientsBehindAtStormEndEvents = Math.max(...rounds.map((r) => r.behind));
    figures.clientsCaughtUpAfterMs = Math.max(...rounds.map((r) => r.caughtUpMs));
    figures.clientsDropped = rounds.reduce((n, r) => n + r.dropped, 0);
    const sorted = latencies.sort((a, b) => a - b);
    figures.wsDelivered = sorted.length;
    figures.wsExpected = total * clients;
    figures.wsLatencyP50Ms = round(percentile(sorted, 50));
    figures.wsLatencyP99Ms = round(percentile(sorted, 99));
    figures.wsLatencyMaxMs = round(sorted[sorted.length - 1] ?? NaN);
    const durable = appendLatencies.sort((a, b) => a - b);
    figures.appendDurableP50Ms = round(percentile(durable, 50));
    figures.appendDurableP99Ms = round(percentile(durable, 99));
    await app.close();

    figures.mqttPublishEventsPerS = await mqttRate(journal, dir, flags.quick ? 2000 : 10_000);
    await journal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
    return;
  }
  const rows: Array<[string, string, string]> = [
    ['event → WS client p50', `${figures.wsLatencyP50Ms} ms`, ''],
    ['event → WS client p99', `${figures.wsLatencyP99Ms} ms`, 'target < 50 ms'],
    ['event → WS client max', `${figures.wsLatencyMaxMs} ms`, ''],
    ['append → durable p50 / p99 (same events)', `${figures.appendDurableP50Ms} / ${figures.appendDurableP99Ms} ms`, 'the journal part of the latency'],
    ['events delivered', `${figures.wsDelivered} of ${figures.wsExpected}`, `${clients} clients × ${rate}/s × ${seconds} s`],
    ['append rate, no clients (before / after)', `${figures.appendRateAloneEventsPerS} / ${figures.appendRateAloneAfterEventsPerS} events/s`, 'fsync on, 64 appenders, 1 event each'],
    ['append rate, clients attached', `${figures.appendRateWithClientsEventsPerS} events/s`, ''],
    ['append rate drop (vs mean of no-client runs)', `${figures.appendRateDropPercent} %`, `target < 10 %; median of ${roundCount} round(s): ${figures.appendRateDropPerRound}`],
    ['events sent to each client in the storm', `${figures.sentPerClientInStormEvents}`, `of ${figures.appendRateWithClientsEventsPerS} events/s × ${seconds} s appended`],
    ['clients behind at the end of a storm (most)', `${figures.clientsBehindAtStormEndEvents} events`, `all caught up ≤ ${figures.clientsCaughtUpAfterMs} ms later; ${figures.clientsDropped} dropped`],
    ['main thread busy, alone / clients attached', `${figures.mainThreadBusyAlonePercent} / ${figures.mainThreadBusyWithClientsPercent} %`, 'event-loop utilisation'],
    ['process CPU, alone / clients attached', `${figures.nodeCpuAlonePercent} / ${figures.nodeCpuWithClientsPercent} %`, `the clients' process: ${figures.clientsCpuPercent} %`],
    ['MQTT publish rate (QoS 1, embedded broker)', `${figures.mqttPublishEventsPerS} events/s`, 'backlog catch-up'],
  ];
  for (const [k, v, note] of rows) process.stdout.write(`${k.padEnd(44)} ${v.padStart(22)}  ${note}\n`);
}

type ChildState = { cpu: NodeJS.CpuUsage; seen: number; closed: number; received: number };
type Run = { rate: number; busyPercent: number; cpuPercent: number; wallUs: number };
type Round = { alone: Run; withClients: Run; after: Run; drop: number; clientsCpuPercent: number; behind: number; caughtUpMs: number; dropped: number; sentInStorm: number };

/** Runs an append-rate measurement with this process's CPU and event-loop utilisation. */
async function measured(run: () => Promise<number>): Promise<Run> {
  const p0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t0 = now();
  const rate = await run();
  const wallUs = (now() - t0) * 1000;
  const p = process.cpuUsage(p0);
  return { rate, busyPercent: round(performance.eventLoopUtilization(e0).utilization * 100), cpuPercent: round(((p.user + p.system) / wallUs) * 100), wallUs };
}

/** Appends `total` events at `rate` events/s, one per append as a sampler writes them; returns append → durable latencies. */
async function pacedAppends(journal: LevelJournal, rate: number, total: number): Promise<number[]> {
  const latencies: number[] = [];
  const start = now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = now();
    pending.push(journal.append([{ type: 'reading.sampled', data: { values: { 'bench.t': i, 'bench.sent': sent } } }]).then(() => void latencies.push(now() - sent)));
  }
  await Promise.all(pending);
  return latencies;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Events/s that many concurrent single-event appends reach over `seconds` (group commit batches them). */
async function appendRate(journal: LevelJournal, seconds: number): Promise<number> {
  const inFlight = 64;
  const end = now() + seconds * 1000;
  let count = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (now() < end) {
        await journal.append([{ type: 'reading.sampled', data: { values: { 'bench.load': count } } }]);
        count++;
      }
    }),
  );
  return Math.round(count / ((now() - start) / 1000));
}

/** Streams the last `events` journal events through the embedded broker to one QoS 1 subscriber. */
async function mqttRate(journal: LevelJournal, dir: string, events: number): Promise<number> {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  const sub = connect(broker.url, { protocolVersion: 4 });
  await new Promise<void>((r) => sub.once('connect', () => r()));
  await sub.subscribeAsync('bench/#', { qos: 1 });
  let received = 0;
  sub.on('message', (topic) => void (topic.includes('/events/') && received++));
  const from = Math.max(1, journal.lastPosition() - events + 1);
  const expected = journal.lastPosition() - from + 1;
  const start = now();
  const publisher = await MqttPublisher.start({
    journal,
    url: broker.url,
    node: { name: 'bench', role: 'alpaca', software: 'bench' },
    prefix: 'bench',
    qos: 1,
    discovery: false,
    discoveryPrefix: 'homeassistant',
    cursorPath: join(dir, 'mqtt-position.json'),
    initialPosition: from,
  });
  while (received < expected && now() - start < 120_000) await new Promise((r) => setTimeout(r, 5));
  const rate = Math.round(received / ((now() - start) / 1000));
  await publisher.stop(0);
  await sub.endAsync(true);
  await broker.close();
  return rate;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
