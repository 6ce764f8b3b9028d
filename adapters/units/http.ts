import type { UnitReport } from '../../core/runtime/units.js';
import { serveHttp, type RunningHttp } from '../http/serve.js';
import { SOFTWARE } from '../version.js';
import type { NodeUnit } from './context.js';
import type {} from './outputs.js'; // the outputs on the shelf
import type {} from './devices.js'; // the devices on the shelf
import type {} from './vision-shelf.js'; // the vision unit on the shelf
import type {} from './snapshots.js'; // the snapshot store on the shelf

declare module './context.js' {
  interface Provided {
    http: RunningHttp;
    /** Every unit's state, for /api/health (set by the composition root before the units start). */
    unitHealth: () => readonly UnitReport[];
    /** When this run started (ms). */
    startedAt: number;
  }
}

/** The dashboard, API, WebSocket, sync and /v1 endpoints; throws SMOL_HTTP_LISTEN_FAILED when the port is taken. */
export function httpUnit(): NodeUnit {
  let http: RunningHttp | undefined;
  return {
    name: 'http',
    needs: ['tokens', 'node', 'agent', 'sync', 'memory', 'outputs', 'snapshots'],
    stopTimeoutMs: 1500,
    async start({ config, log, shelf }) {
      const { host, port, openOnLoopback } = config.http;
      const agent = shelf.get('agent');
      const sync = shelf.get('sync');
      http = await serveHttp({
        host, port, openOnLoopback, limits: config.http, dataDir: config.dataDir,
        journal: shelf.get('journal'), node: shelf.get('node'), tokens: shelf.get('tokens'),
        info: { name: config.node.name, role: config.node.role, software: SOFTWARE, startedAt: shelf.get('startedAt') },
        extra: {
          agent: agent.agent,
          tools: agent.tools,
          outputs: () => shelf.peek('outputs'),
          devices: () => shelf.peek('devices'),
          vision: () => shelf.peek('vision'),
          snapshots: shelf.get('snapshots'),
          openai: { agent: agent.agent, llm: agent.llm, embedder: agent.embedder, embedderFor: agent.queryEmbedder },
          sync: { service: sync.service, ...(sync.loop ? { loop: sync.loop } : {}), snapshots: shelf.get('snapshots') },
          units: shelf.get('unitHealth'),
          loggerInstance: log,
          memory: { pressure: shelf.get('memoryPressure'), largeSyncPushBytes: config.memory.largeSyncPushBytes },
        },
        log: (m) => log.warn(m),
      });
      shelf.put('http', http);
    },
    async stop() {
      await http?.close();
    },
    health: () => ({ state: 'running', ...(http ? { message: http.url } : {}) }),
  };
}
