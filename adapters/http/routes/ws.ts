import type { WebSocket } from 'ws';
import { ErrorCodes } from '../../../core/errors.js';
import type { JournalEntry } from '../../../core/events/event.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { WritePressure } from '../write-pressure.js';
import { LiveFanout } from '../ws-fanout.js';
import { serveConnection, type WsConnection } from '../ws-connection.js';
import { WS_CLOSE_LIMIT, type ServerMessage, type WsStats } from '../ws-protocol.js';
import { atLeast } from '../../../core/runtime/memory-pressure.js';
import { memoryPressureError } from '../memory-gate.js';

export { WS_CLOSE_LIMIT, WS_CLOSE_SLOW, type ServerMessage, type WsStats } from '../ws-protocol.js';

/** Tuning of /ws; the defaults suit a handful of dashboards on a LAN. */
export interface WsOptions {
  /** Pause a client's subscription while more than this many bytes wait to be sent (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Drop a client that stays above the high-water mark this long (default 10 s); it may resume. */
  readonly slowClientMs?: number;
  /** Most events per frame (default 512). */
  readonly batchSize?: number;
  /** Least time between two live frames (ms, default 5): appends in between share a frame. */
  readonly frameMs?: number;
  /**
   * Appends per second above which the journal counts as written in a storm (default 2,000). While
   * it lasts, each client's reading and the live frames pause `stormPauseMs` (default 1,000) after
   * each window of at most 512 events, so the WebSocket work — the node's and the dashboards' —
   * stays small next to the writer.
   */
  readonly stormEventsPerS?: number;
  readonly stormPauseMs?: number;
  /** Ping interval; a client that misses a pong is closed (default 30 s). */
  readonly pingIntervalMs?: number;
  /**
   * Most /ws connections at once (default 32); each holds at most one subscription. One more is
   * sent an error frame SMOL_WS_SUBSCRIPTION_LIMIT and closed with 4029.
   */
  readonly maxClients?: number;
  /** Told when a client is dropped for being too slow (for the log). */
  readonly onSlowClient?: (info: { remoteAddress: string | undefined; position: number }) => void;
  /** Handed a function that reads what the route holds now (tests, benchmarks, stats). */
  readonly monitor?: (stats: () => WsStats) => void;
}

// Subscribers reading the same range get the same entry objects (the journal's ring of recent
// entries), so each entry is serialized once however many clients receive it.
const entryJsonCache = new WeakMap<JournalEntry, string>();
function entryJson(e: JournalEntry): string {
  let json = entryJsonCache.get(e);
  if (json === undefined) entryJsonCache.set(e, (json = JSON.stringify(e)));
  return json;
}
function frameOf(entries: readonly string[], to: number): string {
  return `{"op":"events","entries":[${entries.join(',')}],"to":${to}}`;
}
function framesOf(entries: readonly JournalEntry[], to: number): string {
  return frameOf(entries.map(entryJson), to);
}

/**
 * WebSocket /ws: subscribe {types, origins, fromPosition} → catch-up, then live, in batched frames
 * (one connection: ws-connection.ts; messages: ws-protocol.ts).
 * A client catching up has its own journal subscription, which pulls at the client's pace, so a
 * slow client only lags itself; one that stays behind too long is closed with 4008 and can resume.
 * At the live edge, clients with the same filter share one subscription and the same frame bytes
 * (LiveFanout), so the writer's thread does per-event work once, not once per client; in a write
 * storm all of it slows down (WritePressure) so that clients never slow the journal. What the node
 * holds for WebSocket clients is bounded: `maxClients` connections, one subscription each, and
 * per subscription its read-ahead windows and at most `highWaterBytes` (+ one frame) queued.
 */
export const wsRoutes: RouteGroup = async (app, { deps }) => {
  const { journal } = deps;
  const options = deps.ws ?? {};
  const maxClients = options.maxClients ?? 32;
  // The journal's writer shares this thread. While it writes in a storm (a USB import, a burst of
  // appends), the WebSocket work — live frames and catch-up alike — reads one window per
  // stormPauseMs, so dashboards fall behind and catch up when it is over instead of slowing it.
  const frameMs = options.frameMs ?? 5;
  const stormPauseMs = options.stormPauseMs ?? 1000;
  // Callers ask at least once per pause while it storms; only a longer silence makes a window stale.
  const pressure = new WritePressure(journal, options.stormEventsPerS ?? 2000, 100, Math.max(1000, 4 * stormPauseMs));
  const pause = (sent: boolean) => (pressure.storming() ? stormPauseMs : sent ? frameMs : 0);
  const fanout = new LiveFanout(journal, { pause, entryJson, frame: frameOf });
  const connections = new Set<WsConnection>();
  const readers = { count: 0 };
  const memory = deps.memory;
  const catchUpRefusal = memory && (() => {
    const level = memory.pressure.level();
    return atLeast(level, 'high') ? memoryPressureError(level, 'WebSocket catch-ups (subscribe from an earlier position)') : undefined;
  });
  options.monitor?.(() => ({
    connections: connections.size,
    subscriptions: [...connections].filter((c) => c.subscribed).length,
    readers: readers.count,
    liveGroups: fanout.groupCount,
    liveMembers: fanout.memberCount,
    queuedBytes: [...connections].reduce((sum, c) => sum + c.queuedBytes, 0),
  }));
  app.addHook('onClose', async () => {
    for (const c of connections) c.stop();
    fanout.close();
  });

  app.get('/ws', { websocket: true, onRequest: requireScope('read') }, (socket: WebSocket, request) => {
    // A login cookie rides along with any page's WebSocket: only our own pages may use it.
    if (request.access.via === 'cookie' && !sameOrigin(request.headers.origin, request.headers.host)) {
      socket.close(4003, 'cross-origin WebSocket with a login cookie');
      return;
    }
    if (connections.size >= maxClients) {
      const refusal: ServerMessage = { op: 'error', code: ErrorCodes.WS_SUBSCRIPTION_LIMIT, message: `this node serves at most ${maxClients} WebSocket connections; try again later` };
      socket.send(JSON.stringify(refusal));
      socket.close(WS_CLOSE_LIMIT, ErrorCodes.WS_SUBSCRIPTION_LIMIT);
      return;
    }
    const connection = serveConnection(socket, {
      journal,
      fanout,
      pause,
      framesOf,
      highWaterBytes: options.highWaterBytes ?? 1 << 20,
      slowClientMs: options.slowClientMs ?? 10_000,
      batchSize: options.batchSize ?? 512,
      pingIntervalMs: options.pingIntervalMs ?? 30_000,
      onSlowClient: options.onSlowClient,
      remoteAddress: request.socket.remoteAddress,
      log: request.log,
      readers,
      ...(catchUpRefusal ? { catchUpRefusal } : {}),
    });
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
    if (socket.readyState !== socket.OPEN) connections.delete(connection); // gone before we listened
  });
};

/** True when an Origin header names the same host:port the request was sent to. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
