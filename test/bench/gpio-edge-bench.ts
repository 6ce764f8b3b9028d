/**
 * Issue 12: edge-to-journal latency of a GPIO input. A program, not a test: it prints what it measured.
 *
 *   node --import tsx test/bench/gpio-edge-bench.ts [--edges N] [--debounce MS] [--gap MS] [--json]
 *
 * A simulated edge goes in through the port (GpioProvider.simulateEdge, the same path a chardev
 * or rpio edge takes after the backend: debounce, then the push unit's readings push), and the
 * reading is out when the journal's append resolved: durable in a real LevelDB journal with
 * fsync, readings window off (journal.readingsCommitMs: 0). Edges alternate 0/1, `gap` ms apart
 * (default 25, longer than the default 20 ms debounce, so each is a new press). Target: p99 ≤ 20 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { createReadingsPush } from '../../adapters/devices/push-readings.js';
import { createGpio } from '../../adapters/sensors/gpio.js';
import { percentile } from './stats.js';

export interface GpioEdgeLatency {
  readonly edges: number;
  readonly debounceMs: number;
  readonly gapMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The GPIO path alone: edge in → push called (debounce included), before the journal. */
  readonly toPushP99Ms: number;
  /** Edges whose reading was journaled (all of them, unless debounce swallowed some). */
  readonly journaled: number;
}

/** Measures `edges` simulated edges from the port to a durable `reading.sampled`. */
export async function gpioEdgeLatency(options: { edges?: number; debounceMs?: number; gapMs?: number } = {}): Promise<GpioEdgeLatency> {
  const edges = options.edges ?? 1000;
  const debounceMs = options.debounceMs ?? 20;
  const gapMs = options.gapMs ?? 25;
  const dir = mkdtempSync(join(tmpdir(), 'smol-gpio-bench-'));
  const journal = await openLevelJournal(join(dir, 'journal'), { readingsCommitMs: 0 });
  const gpio = await createGpio({ pins: [{ name: 'door', line: 17, direction: 'input', pull: 'up', debounceMs }], mode: 'simulated', seed: 1 });
  try {
    const gate = createReadingsPush(journal);
    gate.open();
    const latencies: number[] = [];
    const toPush: number[] = [];
    let sentAt = 0;
    let done: (() => void) | undefined;
    gpio.attach(async (values) => {
      toPush.push(performance.now() - sentAt);
      await gate.push(values);
      latencies.push(performance.now() - sentAt);
      done?.();
    });
    let level: 0 | 1 = (await gpio.read('door')) === 1 ? 0 : 1;
    for (let i = 0; i < edges; i++) {
      const journaled = new Promise<void>((resolve) => (done = resolve));
      sentAt = performance.now();
      gpio.simulateEdge('door', level);
      // Bounded: an edge the debounce swallowed never resolves.
      await Promise.race([journaled, sleep(1000)]);
      level = level === 1 ? 0 : 1;
      await sleep(gapMs);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    const pushSorted = [...toPush].sort((a, b) => a - b);
    return { edges, debounceMs, gapMs, journaled: latencies.length, toPushP99Ms: round(percentile(pushSorted, 99)), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? NaN) };
  } finally {
    await gpio.close();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { edges: { type: 'string' }, debounce: { type: 'string' }, gap: { type: 'string' }, json: { type: 'boolean' } } });
  const r = await gpioEdgeLatency({
    ...(values.edges ? { edges: Number(values.edges) } : {}),
    ...(values.debounce ? { debounceMs: Number(values.debounce) } : {}),
    ...(values.gap ? { gapMs: Number(values.gap) } : {}),
  });
  if (values.json) console.log(JSON.stringify(r));
  else console.log(`gpio edge → journal: ${r.journaled}/${r.edges} edges, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; port → push p99 ${r.toPushP99Ms} ms (debounce ${r.debounceMs} ms, ${r.gapMs} ms apart; target p99 ≤ 20 ms)`);
}
