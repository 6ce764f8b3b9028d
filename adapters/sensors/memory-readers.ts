/**
 * What the memory unit samples: this process (VmRSS from /proc/self/status, V8's heap) and the
 * machine (/proc/meminfo, /proc/pressure/memory). The formats are the kernel's documented ones:
 *
 *   /proc/self/status      `VmRSS:\t   51234 kB` (proc(5))
 *   /proc/meminfo          `MemAvailable:    812344 kB`, `SwapTotal:`, `SwapFree:` (proc(5); MemAvailable since 3.14)
 *   /proc/pressure/memory  `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` and a `full` line
 *                          (Documentation/accounting/psi.rst; since 4.20, and only with CONFIG_PSI)
 *
 * A value that cannot be read is absent, never 0. A file that is there but does not parse is
 * named in `problems` (the unit logs it once); a file that is not there (no PSI) is simply absent.
 */
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { readFile } from 'node:fs/promises';
import type { MemorySample } from '../../core/runtime/memory-pressure.js';
import { parseMeminfo } from './proc-readers.js';

const KIB = 1024;

/** A sample and what could not be parsed in it. */
export interface MemoryReading {
  readonly sample: MemorySample;
  /** e.g. `pressure/memory: no "some avg10=" line`; empty when everything read was understood. */
  readonly problems: readonly string[];
}

export interface MemoryReaderOptions {
  /** Where /proc is (a temp dir in tests). Default /proc. */
  readonly procRoot?: string;
  /** V8's heap, injected so tests can drive it. Default v8.getHeapStatistics. */
  readonly heap?: () => { used_heap_size: number; heap_size_limit: number };
  /** RSS when /proc/self/status is not there (not Linux). Default process.memoryUsage.rss. */
  readonly rssFallback?: () => number;
}

/** The file's text; undefined when it does not exist (or says it is off); throws for any other failure to read. */
async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // ENOENT: no such file (no PSI before 4.20). EOPNOTSUPP: PSI built but off (`psi=0`, or
    // CONFIG_PSI_DEFAULT_DISABLED as on Raspberry Pi OS kernels): the file is there, reads fail.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EOPNOTSUPP') return undefined;
    throw err;
  }
}

/** VmRSS in bytes from /proc/<pid>/status text; undefined when the line is missing or malformed. */
export function parseStatusRss(text: string): number | undefined {
  const match = /^VmRSS:\s+(\d+) kB\s*$/m.exec(text);
  return match ? Number(match[1]) * KIB : undefined;
}

/** The avg10 of the `some` and `full` lines of a PSI file; a line that does not parse is absent. */
export function parsePressure(text: string): { some?: number; full?: number } {
  const out: { some?: number; full?: number } = {};
  for (const line of text.split('\n')) {
    const match = /^(some|full) avg10=(\d+(?:\.\d+)?) avg60=\d+(?:\.\d+)? avg300=\d+(?:\.\d+)? total=\d+\s*$/.exec(line);
    if (match) out[match[1] as 'some' | 'full'] = Number(match[2]);
  }
  return out;
}

/** Makes the function the memory unit calls every sample. Never throws: failures become problems. */
export function memoryReader(options: MemoryReaderOptions = {}): () => Promise<MemoryReading> {
  const proc = options.procRoot ?? '/proc';
  const heap = options.heap ?? getHeapStatistics;
  const rssFallback = options.rssFallback ?? (() => process.memoryUsage.rss());
  return async () => {
    const problems: string[] = [];
    const sample: { -readonly [K in keyof MemorySample]: number } = {};
    const attempt = async (name: string, read: (text: string | undefined) => void) => {
      try {
        read(await readIfThere(join(proc, name)));
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    };
    await attempt('self/status', (text) => {
      const rss = text === undefined ? undefined : parseStatusRss(text);
      if (text !== undefined && rss === undefined) problems.push('self/status: no "VmRSS: <n> kB" line');
      sample.rssBytes = rss ?? rssFallback();
    });
    await attempt('meminfo', (text) => {
      if (text === undefined) return;
      const mem = parseMeminfo(text);
      const total = mem.get('MemTotal');
      const available = mem.get('MemAvailable');
      if (total === undefined || available === undefined || available > total) problems.push('meminfo: no usable MemTotal and MemAvailable lines');
      else {
        sample.memTotalBytes = total * KIB;
        sample.memAvailableBytes = available * KIB;
      }
      const swapTotal = mem.get('SwapTotal');
      const swapFree = mem.get('SwapFree');
      if (swapTotal !== undefined && swapFree !== undefined && swapFree <= swapTotal) {
        sample.swapTotalBytes = swapTotal * KIB;
        sample.swapFreeBytes = swapFree * KIB;
      }
    });
    await attempt('pressure/memory', (text) => {
      if (text === undefined) return; // no PSI in this kernel: absent, not 0
      const psi = parsePressure(text);
      if (psi.some === undefined) problems.push('pressure/memory: no "some avg10=… avg60=… avg300=… total=…" line');
      if (psi.some !== undefined) sample.psiSomeAvg10 = psi.some;
      if (psi.full !== undefined) sample.psiFullAvg10 = psi.full;
    });
    try {
      const h = heap();
      if (Number.isFinite(h.used_heap_size) && h.heap_size_limit > 0) {
        sample.heapUsedBytes = h.used_heap_size;
        sample.heapLimitBytes = h.heap_size_limit;
      }
    } catch (err) {
      problems.push(`v8 heap: ${(err as Error).message}`);
    }
    return { sample, problems };
  };
}
