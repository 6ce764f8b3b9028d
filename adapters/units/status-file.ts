import { writeStatusFile } from '../cli/data-dir.js';
import type { NodeUnit, Shelf } from './context.js';
import type { Config } from '../config/schema.js';

declare module './context.js' {
  interface Provided {
    /** Writes status.json now (running or not), with every unit's state. */
    writeStatus: (running: boolean) => Promise<void>;
  }
}

/** How often a running node rewrites status.json for `smollama status` (its journal is locked). */
const EVERY_MS = 5000;

/** status.json: what `smollama status` shows of a running node, units included; rewritten every 5 s. */
export function statusFileUnit(): NodeUnit {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    name: 'status-file',
    needs: ['begin', 'http'],
    stopTimeoutMs: 500,
    async start({ config, shelf, log }) {
      const write = statusWriter(config, shelf, (err) => log.warn({ err }, 'cannot write status.json'));
      shelf.put('writeStatus', write);
      await write(true);
      timer = setInterval(() => void write(true), EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
    health: () => ({ state: 'running' }),
  };
}

function statusWriter(config: Config, shelf: Shelf, onError: (err: unknown) => void) {
  const startedAt = new Date(shelf.get('startedAt')).toISOString();
  return async (running: boolean) => {
    const journal = shelf.get('journal');
    await writeStatusFile(config.dataDir, {
      running,
      pid: process.pid,
      nodeId: journal.nodeId,
      name: config.node.name,
      role: config.node.role,
      startedAt,
      updatedAt: new Date().toISOString(),
      lastPosition: journal.lastPosition(),
      vector: journal.vector(),
      gpioMode: shelf.get('node').gpio?.mode ?? null,
      http: shelf.get('http').url,
      units: shelf.get('unitHealth')().map((u) => ({ name: u.name, state: u.state, ...(u.code ? { code: u.code } : {}), ...(u.message ? { message: u.message } : {}) })),
    }).catch(onError);
  };
}
