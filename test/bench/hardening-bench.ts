/**
 * Hardening figures (issue 9): what hostile clients can make a node hold, and how a node comes back
 * from a full disk. A program, not a test: it prints what it measured and never fails on a figure.
 *
 *   node --import tsx test/bench/hardening-bench.ts [--quick] [--json] [--only bodies,ws,disk,sampling]
 *
 * Each part lives in test/bench/hardening-<part>.ts, runs its own node processes on 127.0.0.1,
 * and returns `{figure: value}`; numbers become rows here (the unit is read from the name's suffix:
 * …MB, …Ms, …PerS, …Percent), strings are notes.
 */
import { parseArgs } from 'node:util';
import type { Figure } from './report.js';
import { printTable } from './report.js';
import { cpus, loadavg, totalmem } from 'node:os';

export const HARDENING_PARTS = ['bodies', 'ws', 'disk', 'sampling'] as const;
type Part = (typeof HARDENING_PARTS)[number];

/** Issue 9's targets, by figure name (a figure without one is informational). */
const TARGETS: Record<string, { target: number; better: 'higher' | 'lower' }> = {};

/** Registers a target for a figure name (the parts call this to keep targets next to their figures). */
export function target(name: string, value: number, better: 'higher' | 'lower'): void {
  TARGETS[name] = { target: value, better };
}

function unitOf(name: string): string {
  if (/MB$/.test(name)) return 'MB';
  if (/Ms$/.test(name)) return 'ms';
  if (/PerS$/.test(name)) return '/s';
  if (/Percent$/.test(name)) return '%';
  return '';
}

/** Turns one part's record into table rows. */
export function hardeningFigures(part: string, record: Record<string, number | string>): Figure[] {
  const notes = Object.entries(record).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}: ${v}`);
  const rows: Figure[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (typeof value !== 'number') continue;
    const t = TARGETS[name];
    rows.push({ name: `${part}: ${name}`, value, unit: unitOf(name), target: t?.target, better: t?.better ?? 'lower', note: rows.length === 0 ? notes.join('; ') : '' });
  }
  if (rows.length === 0) rows.push({ name: `${part}: (no figures)`, value: 0, unit: '', target: undefined, better: 'lower', note: notes.join('; ') });
  return rows;
}

interface PartModule {
  run(opts: { quick: boolean }): Promise<Record<string, number | string>>;
  readonly TARGETS?: Record<string, { target: number; better: 'higher' | 'lower' }>;
}

export async function runHardening(parts: readonly Part[], quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown>; method: string[] }> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const method: string[] = [];
  for (const part of parts) {
    process.stderr.write(`hardening: ${part}${quick ? ' (quick)' : ''}\n`);
    let record: Record<string, number | string>;
    try {
      const mod = (await import(`./hardening-${part}.js`)) as PartModule;
      for (const [name, t] of Object.entries(mod.TARGETS ?? {})) TARGETS[name] = t;
      record = await mod.run({ quick });
    } catch (err) {
      record = { error: (err as Error).message };
    }
    details[part] = record;
    figures.push(...hardeningFigures(part, record));
    method.push(`hardening ${part}: test/bench/hardening-${part}.ts (see its header)`);
  }
  return { figures, details, method };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const parts = (values.only ? values.only.split(',') : HARDENING_PARTS) as Part[];
  for (const p of parts) if (!(HARDENING_PARTS as readonly string[]).includes(p)) throw new TypeError(`--only: unknown part ${p} (one of ${HARDENING_PARTS.join(', ')})`);
  const started = Date.now();
  const load = loadavg()[0]!;
  const result = await runHardening(parts, values.quick);
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else printTable(result.figures, { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, loadAverageAtStart: load }, (Date.now() - started) / 1000, result.method);
}
