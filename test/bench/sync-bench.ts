/**
 * Sync figures against issue 3's targets. A program, not a test: it prints what it measured.
 *
 *   node --import tsx test/bench/sync-bench.ts [--json] [--quick] [--events N] [--nodes N] [--per-node N]
 *
 * Exported as runSyncBench() too, for `npm run bench` to include.
 */
import { mkdtempSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { syncSection } from '../../adapters/config/sections/sync.js';
import { SyncService } from '../../adapters/sync/sync-service.js';
import { SyncClient, type RoundResult } from '../../adapters/sync/http-client.js';
import { syncPlugin } from '../../adapters/http/routes/sync.js';
import { ReadingSimulator, SimulatedTime } from './readings.js';
import { printTable, type Figure } from './report.js';
import { msSince } from './stats.js';

export interface SyncBenchOptions {
  /** Events for the export/import throughput run (default 500,000; quick 100,000). */
  readonly events: number;
  /** Simulated seconds of 8-source sampling for bytes per reading (default 86,400). */
  readonly ticks: number;
  /** Nodes in the star (hub included; default 20). */
  readonly nodes: number;
  /** Events each node appends before the star converges (default 10,000; quick 1,000). */
  readonly perNode: number;
  readonly log: (line: string) => void;
}

interface SyncBenchResult {
  readonly figures: Figure[];
  readonly method: string[];
  readonly details: Record<string, unknown>;
}

async function fill(journal: LevelJournal, events: number, time: SimulatedTime, seed: number): Promise<number> {
  const sim = new ReadingSimulator(seed);
  let readings = 0;
  for (let i = 0; i < events; i += 5000) {
    const drafts = [];
    for (let j = i; j < Math.min(events, i + 5000); j++) {
      const values = sim.next();
      readings += Object.keys(values).length;
      drafts.push({ type: 'reading.sampled', data: { values } });
      time.ms += 1000;
    }
    await journal.append(drafts);
  }
  return readings;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function service(dir: string, journal: LevelJournal, extra: Record<string, unknown> = {}): Promise<SyncService> {
  return SyncService.open(journal, dir, syncSection.parse({ cluster: 'bench', ...extra }), createRegistry());
}

/** Export and import throughput with full verification, and segment bytes per reading. */
async function throughput(root: string, o: SyncBenchOptions, figures: Figure[], method: string[], details: Record<string, unknown>): Promise<void> {
  const time = new SimulatedTime();
  const a = await openLevelJournal(join(root, 'tp-a', 'journal'), { sync: false, clock: { now: time.now } });
  o.log(`throughput: filling ${o.events} events (one 8-source tick each)`);
  const readings = await fill(a, o.events, time, 3);
  const sa = await service(join(root, 'tp-a'), a);
  const out = join(root, 'tp.smolseg');
  let cpu0 = cpuMicros();
  let t0 = process.hrtime.bigint();
  const written = await sa.exportTo({}, out);
  const exportMs = msSince(t0);
  const exportCpu = cpuMicros() - cpu0;
  await a.close();
  const b = await openLevelJournal(join(root, 'tp-b', 'journal'), { sync: false });
  const sb = await service(join(root, 'tp-b'), b);
  await sb.trust.add(a.publicKey, 'a', b.nodeId);
  cpu0 = cpuMicros();
  t0 = process.hrtime.bigint();
  const reports = await sb.importPath(out);
  const importMs = msSince(t0);
  const importCpu = cpuMicros() - cpu0;
  await b.close();
  const events = written!.events;
  const bytes = statSync(out).size;
  if (reports[0]?.applied !== events) throw new Error(`import applied ${reports[0]?.applied} of ${events}: ${reports[0]?.message}`);
  details['throughput'] = { events, bytes, readings, exportMs, importMs, exportCpuMicros: exportCpu, importCpuMicros: importCpu };
  figures.push({ name: 'export (plan, read, compress, sign, write)', value: events / (exportMs / 1000), unit: 'events/s', target: 200_000, better: 'higher', note: `${(exportCpu / events).toFixed(1)} µs CPU/event` });
  figures.push({ name: 'import with full verification', value: events / (importMs / 1000), unit: 'events/s', target: 100_000, better: 'higher', note: `${(importCpu / events).toFixed(1)} µs CPU/event; 2 passes, fsync off` });
  figures.push({ name: 'segment bytes per reading (8 sources/event)', value: bytes / readings, unit: 'B', target: 12, better: 'lower', note: `${(bytes / events).toFixed(1)} B/event, brotli` });
  method.push(
    `throughput: ${events} reading.sampled events (8 seeded random-walk sources, 1 s apart, seals every 1000) in an on-disk journal; ` +
      `export = SyncService.exportTo({}, file) (seal, plan, read, brotli frames, sha-256, ed25519, fsync, rename); ` +
      `import = SyncService.importPath into a fresh on-disk journal with sync off: checksum, signature, trust, chains, seals, schema of every event (zod; reading.sampled by a hand-written check the zod schema backs), then apply in 5,000-event batches (second pass, each batch written while the next is read); wall time, CPU in notes`,
  );
}

/** A star of `nodes` (hub + edges): bytes over HTTP vs minimal, an empty exchange, convergence time. */
async function star(root: string, o: SyncBenchOptions, figures: Figure[], method: string[], details: Record<string, unknown>): Promise<void> {
  o.log(`star: ${o.nodes} nodes, ${o.perNode} events each`);
  const nodes: Array<{ journal: LevelJournal; service: SyncService }> = [];
  for (let i = 0; i < o.nodes; i++) {
    const dir = join(root, `star-${i}`);
    mkdirSync(dir, { recursive: true });
    const time = new SimulatedTime(Date.UTC(2025, 0, 1) + i);
    const journal = await openLevelJournal(join(dir, 'journal'), { sync: false, clock: { now: time.now } });
    await fill(journal, o.perNode, time, 100 + i);
    await journal.seal();
    nodes.push({ journal, service: await service(dir, journal, { maxSegmentEvents: 50_000 }) });
  }
  const hub = nodes[0]!;
  for (const n of nodes.slice(1)) {
    await hub.service.trust.add(n.journal.publicKey, undefined, hub.journal.nodeId);
    await n.service.trust.add(hub.journal.publicKey, 'hub', n.journal.nodeId);
  }
  const app = Fastify({ bodyLimit: 1 << 20 });
  await app.register(async (scope) => syncPlugin(scope, { service: hub.service }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const clients = nodes.slice(1).map((n) => new SyncClient(n.service));
  let wire = 0;
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  const converged = () => nodes.every((n) => JSON.stringify(sorted(n.journal.vector())) === JSON.stringify(sorted(hub.journal.vector())));
  // Every edge syncs with the hub at once, round after round, until all vectors agree.
  while (!converged() && rounds < 10) {
    rounds++;
    const results: RoundResult[] = await Promise.all(clients.map((c) => c.syncWith({ name: 'hub', url })));
    for (const r of results) wire += r.bytesSent + r.bytesReceived;
  }
  const convergeMs = msSince(t0);
  // Minimal: the encoded bodies each node lacked, i.e. every event of every other origin.
  const perOrigin = new Map<string, number>();
  for (const [origin] of hub.journal.heads()) {
    let bytes = 0;
    for await (const e of hub.journal.readOrigin(origin, 1)) bytes += e.body.length;
    perOrigin.set(origin, bytes);
  }
  const total = [...perOrigin.values()].reduce((a, b) => a + b, 0);
  const minimal = nodes.reduce((sum, n) => sum + total - (perOrigin.get(n.journal.nodeId) ?? 0), 0);
  const empty = await clients[0]!.syncWith({ name: 'hub', url });
  const emptyBytes = empty.bytesSent + empty.bytesReceived;
  for (const c of clients) c.close();
  await app.close();
  for (const n of nodes) await n.journal.close();
  details['star'] = { nodes: o.nodes, perNode: o.perNode, rounds, convergeMs, wireBytes: wire, minimalBytes: minimal, emptyBytes, converged: converged() };
  figures.push({ name: `HTTP bytes / minimal, ${o.nodes}-node star`, value: wire / minimal, unit: '×', target: 1.1, better: 'lower', note: `${(wire / 1e6).toFixed(2)} MB on the wire vs ${(minimal / 1e6).toFixed(2)} MB of event bodies` });
  figures.push({ name: 'exchange with nothing to send', value: emptyBytes, unit: 'B', target: 2048, better: 'lower', note: `${empty.requests} request, headers included` });
  figures.push({ name: `${o.nodes} nodes converge after ${o.perNode.toLocaleString('en-US')} events each`, value: convergeMs / 1000, unit: 's', target: undefined, better: 'lower', note: `${rounds} round(s) of all edges syncing with the hub at once` });
  method.push(
    `star: ${o.nodes} on-disk journals (sync off) each with ${o.perNode} events; one hub serving /sync over 127.0.0.1, ${o.nodes - 1} edges running SyncClient.syncWith(hub) concurrently, round after round, until every vector is equal. ` +
      `Wire bytes = socket bytesWritten + bytesRead of every request (request/status lines, headers, bodies). Minimal = for every node, the sum of the body lengths of every event it lacked ` +
      `(the events' canonical encoding, uncompressed). Empty exchange = one more round of a converged edge.`,
  );
}

function sorted(v: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
}

/** Runs every sync measurement in a fresh temp directory (removed afterwards). */
export async function runSyncBench(o: SyncBenchOptions): Promise<SyncBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'smollama-sync-bench-'));
  const figures: Figure[] = [];
  const method: string[] = [];
  const details: Record<string, unknown> = { options: { ...o, log: undefined }, loadavgBefore: loadavg() };
  try {
    await throughput(root, o, figures, method, details);
    await star(root, o, figures, method, details);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  details['loadavgAfter'] = loadavg();
  return { figures, method, details };
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      events: { type: 'string' },
      nodes: { type: 'string' },
      'per-node': { type: 'string' },
    },
  });
  const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s.replaceAll('_', '')));
  const started = process.hrtime.bigint();
  const loadAverageAtStart = loadavg()[0];
  const result = await runSyncBench({
    events: num(values.events, values.quick ? 100_000 : 500_000),
    ticks: 86_400,
    nodes: num(values.nodes, 20),
    perNode: num(values['per-node'], values.quick ? 1_000 : 10_000),
    log: (line) => void process.stderr.write(`sync-bench: ${line}\n`),
  });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, platform: process.platform, loadAverageAtStart };
  const seconds = msSince(started) / 1000;
  if (values.json) process.stdout.write(JSON.stringify({ machine, seconds, ...result }) + '\n');
  else printTable(result.figures, machine, seconds, [...result.method, `machine load average (1/5/15 min) at the end: ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`]);
}
