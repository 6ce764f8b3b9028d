/**
 * Issue 11 and 12 figures that are not the soak's: start-up and rebuild of a large journal
 * (startup-bench.ts), bytes per reading once history is cold (cold-bench.ts), and GPIO
 * edge-to-journal latency (gpio-edge-bench.ts), the CPU of a node with 10 devices (devices-cpu-bench.ts), and the vector index's RSS with and without its cap (vectors-cap-bench.ts). Run alone or from `npm run bench -- --endurance`:
 *
 *   node --import tsx test/bench/endurance-bench.ts [--json] [--quick]
 *
 * Full: 1,000,000 events and 3 days of 1 Hz × 8 sources (~5–10 min here); --quick: 200,000 and 1 day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startupBench } from './startup-bench.js';
import { measureCold } from './cold-bench.js';
import { gpioEdgeLatency } from './gpio-edge-bench.js';
import { devicesCpu } from './devices-cpu-bench.js';
import { vectorsCapBench } from './vectors-cap-bench.js';
import { printTable, type Figure } from './report.js';

export async function runEndurance(quick: boolean): Promise<{ figures: Figure[]; method: string[]; details: Record<string, unknown> }> {
  const root = mkdtempSync(join(tmpdir(), 'smollama-endurance-'));
  const log = (line: string) => void process.stderr.write(`endurance: ${line}\n`);
  const figures: Figure[] = [];
  const method: string[] = [];
  const details: Record<string, unknown> = {};
  try {
    const events = quick ? 200_000 : 1_000_000;
    log(`start-up: ${events.toLocaleString('en-US')} events`);
    const startup = await startupBench({ events, root: join(root, 'startup-root'), log, heapMb: 160 });
    figures.push(...startup.figures);
    details.startup = { cold: startup.cold, warm: startup.warm, rebuild: startup.rebuild };
    method.push(`start-up: test/bench/startup-bench.ts, a journal of ${events.toLocaleString('en-US')} events, children capped at --max-old-space-size=160 as npm start`);

    const days = quick ? 1 : 3;
    log(`cold history: ${days} day(s) of 1 Hz × 8 sources`);
    const cold = await measureCold(join(root, 'cold'), days);
    details.cold = cold;
    figures.push(
      { name: 'bytes/reading, hot (LevelDB, compacted)', value: cold.bytesPerReadingBefore, unit: 'B', target: undefined, better: 'lower', note: `${days} d of 1 Hz × 8 sources` },
      { name: 'bytes/reading, after the cold move (everything)', value: cold.bytesPerReadingAfter, unit: 'B', target: 2, better: 'lower', note: `${cold.files} cold file(s)` },
      { name: 'cold move throughput', value: cold.movedEventsPerSecond, unit: 'events/s', target: undefined, better: 'higher', note: 'unthrottled' },
    );
    method.push(`cold: test/bench/cold-bench.ts, ${days} day(s), compacted LevelDB + cold files + manifest after the move`);

    log('GPIO edges: 1,000 simulated edges into a real journal');
    const edge = await gpioEdgeLatency({ edges: quick ? 300 : 1000 });
    details.gpioEdge = edge;
    figures.push(
      { name: 'GPIO edge → journal p50', value: edge.p50Ms, unit: 'ms', target: undefined, better: 'lower', note: `debounce ${edge.debounceMs} ms` },
      { name: 'GPIO edge → journal p99', value: edge.p99Ms, unit: 'ms', target: 20, better: 'lower', note: `GPIO path alone p99 ${edge.toPushP99Ms.toFixed(2)} ms` },
    );
    method.push('gpio edge: test/bench/gpio-edge-bench.ts, simulated edges through the port, debounce and pushReadings into an fsynced LevelDB journal');

    const vectors = quick ? 12_000 : 35_000;
    log(`vector index: ${vectors.toLocaleString('en-US')} 384-d observations, without and with the cap`);
    const cap = await vectorsCapBench({ vectors, ...(quick ? { cap: 4_000 } : {}) });
    details.vectorsCap = cap;
    figures.push(
      { name: 'vector index RSS, no cap', value: cap.uncapped.rssMb, unit: 'MB', target: undefined, better: 'lower', note: `${cap.uncapped.vectors.toLocaleString('en-US')} vectors, recall@10 ${cap.uncapped.recallAt10.toFixed(2)}` },
      { name: `vector index RSS, cap ${cap.capped.cap?.toLocaleString('en-US')}`, value: cap.capped.rssMb, unit: 'MB', target: undefined, better: 'lower', note: `${cap.capped.indexed.toLocaleString('en-US')} indexed, ${cap.capped.compactions} compactions, recall@10 ${cap.capped.recallAt10.toFixed(2)} (fresh index ${cap.capped.freshRecallAt10?.toFixed(2) ?? 'n/a'})` },
    );
    method.push('vector index: test/bench/vectors-cap-bench.ts, a VectorStore per case in its own process under the unit\'s malloc settings, one observation every 15 simulated minutes');

    log('devices CPU: a node with 10 devices on a fake /sys');
    const cpu = await devicesCpu({ seconds: quick ? 20 : 60 });
    details.devicesCpu = cpu;
    figures.push({ name: 'CPU of a node with 10 devices', value: cpu.cpuPercent, unit: '%', target: 2, better: 'lower', note: `of one core, over ${Math.round(cpu.seconds)} s, system sensors and GPIO included; ${cpu.readings} device sources read` });
    method.push('devices cpu: test/bench/devices-cpu-bench.ts, smollama start (tsx) with 4 IIO, 3 w1, 3 hwmon devices at default intervals, utime+stime from /proc/<pid>/stat after a 20 s settle');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { figures, method, details };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  const started = Date.now();
  const load = loadavg()[0]!;
  const result = await runEndurance(values.quick);
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else printTable(result.figures, { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, loadAverageAtStart: load }, (Date.now() - started) / 1000, result.method);
}
