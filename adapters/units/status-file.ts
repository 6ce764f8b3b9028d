import { writeStatusFile } from '../cli/data-dir.js';
import type { NodeUnit, Shelf } from './context.js';
import type { Config } from '../config/schema.js';

declare module './context.js' {
  interface Provided {
    /** Writes status.json now (running or not), with every unit's state. */
    writeStatus: (running: boolean) => Promise<void>;
  }
}

/** How often a running node looks whether status.json is out of date (its journal is locked). */
const EVERY_MS = 5000;
/**
 * The longest a running node's status.json goes unwritten when only its event count moved (ms).
 * Rewriting it every 5 s cost an SD card ~80 MB a day (each atomic rewrite is a new 4 KiB block,
 * an inode and the file system journal's commit: the soak benchmark measured it as the node's
 * largest writer); a change of a unit's state or code, the address or the GPIO mode is written at
 * once (a unit's message alone waits for the next refresh).
 */
export const REFRESH_MS = 300_000;

/** status.json: what `smollama status` shows of a running node, units included; rewritten when that changes, and every 5 min. */
export function statusFileUnit(): NodeUnit {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    name: 'status-file',
    needs: ['begin', 'http'],
    stopTimeoutMs: 500,
    async start({ config, shelf, log }) {
      const write = statusWriter(config, shelf, (err) => log.warn({ err }, 'cannot write status.json'));
      shelf.put('writeStatus', (running) => write(running, true));
      await write(true, true);
      timer = setInterval(() => void write(true, false), EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
    health: () => ({ state: 'running' }),
  };
}

/** Writes status.json when `force`, when what it says (event counts aside) changed, or when it is REFRESH_MS old (exported for its test). */
export function statusWriter(config: Config, shelf: Shelf, onError: (err: unknown) => void, now: () => number = Date.now) {
  const startedAt = new Date(shelf.get('startedAt')).toISOString();
  let written: { key: string; at: number } | undefined;
  return async (running: boolean, force: boolean) => {
    const journal = shelf.get('journal');
    const said = {
      running,
      pid: process.pid,
      nodeId: journal.nodeId,
      name: config.node.name,
      role: config.node.role,
      startedAt,
      gpioMode: shelf.get('node').gpio?.mode ?? null,
      http: shelf.get('http').url,
      units: shelf.get('unitHealth')().map((u) => ({ name: u.name, state: u.state, ...(u.code ? { code: u.code } : {}), ...(u.message ? { message: u.message } : {}) })),
    };
    // A unit's message is left out of the comparison: the memory unit's carries its RSS, which moves all the time.
    const key = JSON.stringify({ ...said, units: said.units.map((u) => [u.name, u.state, u.code]) });
    const at = now();
    if (!force && written?.key === key && at - written.at < REFRESH_MS) return;
    written = { key, at };
    await writeStatusFile(config.dataDir, { ...said, updatedAt: new Date(at).toISOString(), lastPosition: journal.lastPosition(), vector: journal.vector() }).catch(onError);
  };
}
