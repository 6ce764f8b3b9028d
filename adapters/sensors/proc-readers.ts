/**
 * Small, strict parsers for /proc and /sys text. Each returns `undefined` (or leaves a field out)
 * for anything it cannot parse with certainty: a wrong value journaled forever is worse than a
 * missing one.
 */
import { readFile, readdir } from 'node:fs/promises';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

/** The text of a file, or undefined when it cannot be read for any reason. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The names in a directory, or an empty list when it cannot be read. */
export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** A finite decimal number written exactly as such (no `Number('')` → 0 surprises). */
export function parseDecimal(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (trimmed === undefined || !DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** A finite integer written exactly as such, e.g. a /sys millidegree or kHz file. */
export function parseInteger(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (trimmed === undefined || !INTEGER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Rounds to `decimals` places; keeps journaled readings short. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The 1, 5 and 15 minute load averages from /proc/loadavg; unparsable fields are left out. */
export function parseLoadavg(text: string | undefined): { load1?: number; load5?: number; load15?: number } {
  const fields = text?.trim().split(/\s+/) ?? [];
  const out: { load1?: number; load5?: number; load15?: number } = {};
  const [l1, l5, l15] = fields.map((f) => parseDecimal(f));
  if (l1 !== undefined && l1 >= 0) out.load1 = l1;
  if (l5 !== undefined && l5 >= 0) out.load5 = l5;
  if (l15 !== undefined && l15 >= 0) out.load15 = l15;
  return out;
}

/** Seconds since boot, the first field of /proc/uptime. */
export function parseUptime(text: string | undefined): number | undefined {
  const value = parseDecimal(text?.trim().split(/\s+/)[0]);
  return value !== undefined && value >= 0 ? value : undefined;
}

/** /proc/meminfo as a map from key to kB; lines that do not parse are skipped. */
export function parseMeminfo(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text?.split('\n') ?? []) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) out.set(match[1], Number(match[2]));
  }
  return out;
}

/** Cumulative CPU time (jiffies) from the aggregate `cpu` line of /proc/stat. */
export interface CpuTimes {
  readonly total: number;
  readonly idle: number;
}

/**
 * Parses the aggregate `cpu` line. Only the first eight fields are summed: guest and guest_nice
 * are already counted inside user and nice, so adding them would count them twice.
 */
export function parseCpuTimes(text: string | undefined): CpuTimes | undefined {
  const line = text?.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map((f) => parseInteger(f));
  // user nice system idle are always there; iowait.. steal arrived in later kernels.
  if (fields.length < 4 || fields.some((f) => f === undefined || f < 0)) return undefined;
  const values = fields as number[];
  const total = values.reduce((sum, v) => sum + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait: waiting on I/O is not work
  return { total, idle };
}

/** Busy percentage between two cumulative samples; undefined when no time passed or counters went back. */
export function cpuUsagePercent(before: CpuTimes, after: CpuTimes): number | undefined {
  const total = after.total - before.total;
  const idle = after.idle - before.idle;
  if (total <= 0 || idle < 0 || idle > total) return undefined;
  return ((total - idle) / total) * 100;
}
