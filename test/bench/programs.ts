/**
 * The other benchmark programs (sync, agent, ws, hardening), run from `npm run bench` in their own processes
 * with --json, and their results turned into rows of its table.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Figure } from './report.js';

export interface ProgramFigures {
  readonly figures: Figure[];
  readonly method: string[];
}

/** Runs `test/bench/<name>-bench.ts --json [--quick]` under tsx; resolves with its JSON output. Its progress goes to our stderr. */
export function runBenchProgram(name: 'sync' | 'agent' | 'ws' | 'hardening' | 'soak' | 'endurance' | 'vision-node', quick: boolean): Promise<unknown> {
  const file = fileURLToPath(new URL(`./${name}-bench.ts`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, '--json', ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${name}-bench exited with code ${code}`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new Error(`${name}-bench printed no JSON: ${(err as Error).message}`));
      }
    });
  });
}

interface AgentResult {
  recall: { vectors: number; dim: number; queries: number; defaultEfSearch: number; byEf: Array<{ efSearch: number; recallAt10: number; p50Ms: number; p99Ms: number }> };
  rebuild: { vectors: number; perSecond: number; perCpuSecond: number };
  observerPrompt: { sources: number; tokens: number; characters: number };
}

/** The agent figures against issue 4's targets. */
export function agentFigures(json: unknown): ProgramFigures {
  const r = json as AgentResult;
  const chosen = r.recall.byEf.find((x) => x.efSearch === r.recall.defaultEfSearch) ?? r.recall.byEf[r.recall.byEf.length - 1]!;
  const over = `${r.recall.vectors.toLocaleString('en-US')} × ${r.recall.dim}-d vectors, efSearch ${chosen.efSearch}`;
  return {
    figures: [
      { name: 'vector recall@10 vs exact search', value: chosen.recallAt10, unit: '', target: 0.95, better: 'higher', note: over },
      { name: 'vector query p50', value: chosen.p50Ms, unit: 'ms', target: 2, better: 'lower', note: `p99 ${chosen.p99Ms.toFixed(2)} ms; ${r.recall.queries} queries` },
      { name: 'vectors projection rebuild', value: r.rebuild.perSecond, unit: 'vectors/s', target: 5000, better: 'higher', note: `${r.rebuild.vectors.toLocaleString('en-US')} vectors; ${Math.round(r.rebuild.perCpuSecond).toLocaleString('en-US')} per CPU-second` },
      { name: 'observer prompt', value: r.observerPrompt.tokens, unit: 'tokens', target: 1500, better: 'lower', note: `${r.observerPrompt.sources} sources, ≈ ${r.observerPrompt.characters} characters / 4` },
    ],
    method: ['agent: test/bench/agent-bench.ts --json (HNSW recall and latency against exact search, vectors projection rebuild, observer prompt size; see its header)'],
  };
}

interface WsResult {
  clients: number;
  rate: number;
  seconds: number;
  wsLatencyP50Ms: number;
  wsLatencyP99Ms: number;
  wsLatencyMaxMs: number;
  wsDelivered: number;
  wsExpected: number;
  appendRateAloneEventsPerS: number;
  appendRateAloneAfterEventsPerS: number;
  appendRateWithClientsEventsPerS: number;
  appendRateDropPercent: number;
  mqttPublishEventsPerS: number;
}

/** The WebSocket and MQTT figures against issue 5's targets. */
export function wsFigures(json: unknown): ProgramFigures {
  const r = json as WsResult;
  return {
    figures: [
      { name: 'event → WebSocket client p99', value: r.wsLatencyP99Ms, unit: 'ms', target: 50, better: 'lower', note: `p50 ${r.wsLatencyP50Ms} ms, max ${r.wsLatencyMaxMs} ms; ${r.wsDelivered} of ${r.wsExpected} delivered (${r.clients} clients × ${r.rate}/s × ${r.seconds} s)` },
      { name: 'append rate drop with WS clients', value: r.appendRateDropPercent, unit: '%', target: 10, better: 'lower', note: `${r.appendRateWithClientsEventsPerS} events/s with, ${r.appendRateAloneEventsPerS} / ${r.appendRateAloneAfterEventsPerS} without (before / after)` },
      { name: 'MQTT publish rate, QoS 1', value: r.mqttPublishEventsPerS, unit: 'events/s', target: undefined, better: 'higher', note: 'backlog through the embedded broker to one subscriber' },
    ],
    method: ['ws: test/bench/ws-bench.ts --json (paced appends to WebSocket clients in a child process, append rate with and without them, MQTT backlog publish; see its header)'],
  };
}
