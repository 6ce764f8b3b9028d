import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import type { JournalEntry } from '../../../core/events/event.js';
import type { Subscription } from '../../../core/journal/journal.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';

/** Tuning of /ws; the defaults suit a handful of dashboards on a LAN. */
export interface WsOptions {
  /** Pause a client's subscription while more than this many bytes wait to be sent (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Drop a client that stays above the high-water mark this long (default 10 s); it may resume. */
  readonly slowClientMs?: number;
  /** Most events per frame (default 512). */
  readonly batchSize?: number;
  /** Ping interval; a client that misses a pong is closed (default 30 s). */
  readonly pingIntervalMs?: number;
  /** Told when a client is dropped for being too slow (for the log). */
  readonly onSlowClient?: (info: { remoteAddress: string | undefined; position: number }) => void;
}

/** Close code for a client that could not keep up (it should reconnect and resume). */
export const WS_CLOSE_SLOW = 4008;

// Subscribers reading the same range get the same entry objects (the journal's ring of recent
// entries), so each entry is serialized once however many clients receive it.
const entryJson = new WeakMap<JournalEntry, string>();
function framesOf(entries: JournalEntry[], to: number): string {
  const parts = entries.map((e) => {
    let json = entryJson.get(e);
    if (json === undefined) entryJson.set(e, (json = JSON.stringify(e)));
    return json;
  });
  return `{"op":"events","entries":[${parts.join(',')}],"to":${to}}`;
}

const names = z.array(z.string().min(1).max(200)).max(50);
const ClientMessage = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), types: names.optional(), origins: names.optional(), fromPosition: z.number().int().min(1).optional() }).strict(),
  z.object({ op: z.literal('unsubscribe') }).strict(),
]);

/** Messages the server sends. `to` in `events` is the last position scanned: resume from to + 1. */
export type ServerMessage =
  | { op: 'hello'; nodeId: string; lastPosition: number }
  | { op: 'subscribed'; fromPosition: number; lastPosition: number }
  | { op: 'events'; entries: JournalEntry[]; to: number }
  | { op: 'live'; position: number }
  | { op: 'error'; code: string; message: string };

/**
 * WebSocket /ws: subscribe {types, origins, fromPosition} → catch-up, then live, in batched frames.
 * Each client has its own journal subscription, which pulls at the client's pace, so a slow
 * client only lags itself; one that stays behind too long is closed with 4008 and can resume.
 */
export const wsRoutes: RouteGroup = async (app, { deps }) => {
  const { journal } = deps;
  const options = deps.ws ?? {};
  const highWater = options.highWaterBytes ?? 1 << 20;
  const slowMs = options.slowClientMs ?? 10_000;
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const stop of open) stop();
  });

  app.get('/ws', { websocket: true, onRequest: requireScope('read') }, (socket: WebSocket, request) => {
    // A login cookie rides along with any page's WebSocket: only our own pages may use it.
    if (request.access.via === 'cookie' && !sameOrigin(request.headers.origin, request.headers.host)) {
      socket.close(4003, 'cross-origin WebSocket with a login cookie');
      return;
    }
    let sub: Subscription | undefined;
    let alive = true;
    const send = (m: ServerMessage) => socket.send(JSON.stringify(m));

    const waitForRoom = async (): Promise<boolean> => {
      const since = Date.now();
      while (socket.bufferedAmount > highWater) {
        if (socket.readyState !== socket.OPEN) return false;
        if (Date.now() - since > slowMs) {
          options.onSlowClient?.({ remoteAddress: request.socket.remoteAddress, position: sub?.position ?? 0 });
          socket.close(WS_CLOSE_SLOW, ErrorCodes.WS_SLOW_CONSUMER);
          return false;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return socket.readyState === socket.OPEN;
    };

    const subscribe = (m: { types?: string[] | undefined; origins?: string[] | undefined; fromPosition?: number | undefined }) => {
      sub?.close();
      const fromPosition = m.fromPosition ?? journal.lastPosition() + 1;
      let live = false;
      send({ op: 'subscribed', fromPosition, lastPosition: journal.lastPosition() });
      const current: Subscription = journal.subscribe(
        { fromPosition, batchSize: options.batchSize ?? 512, emptyBatches: true, ...(m.types?.length ? { types: m.types } : {}), ...(m.origins?.length ? { origins: m.origins } : {}) },
        async (entries, to) => {
          if (sub !== current || socket.readyState !== socket.OPEN) return current.close();
          if (entries.length > 0) {
            socket.send(framesOf(entries, to));
            if (!(await waitForRoom())) return current.close();
          }
          if (!live && to >= journal.lastPosition()) {
            live = true;
            send({ op: 'live', position: to });
          }
        },
      );
      if (fromPosition > journal.lastPosition()) {
        live = true;
        send({ op: 'live', position: fromPosition - 1 });
      }
      current.done.catch((err: unknown) => request.log.warn({ err }, 'ws subscription failed'));
      sub = current;
    };

    const stop = () => {
      sub?.close();
      sub = undefined;
      if (socket.readyState === socket.OPEN) socket.close(1001, 'server closing');
    };
    open.add(stop);
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, options.pingIntervalMs ?? 30_000);
    socket.on('pong', () => (alive = true));
    socket.on('close', () => {
      clearInterval(ping);
      open.delete(stop);
      sub?.close();
      sub = undefined;
    });
    socket.on('message', (raw, isBinary) => {
      try {
        let json: unknown;
        try {
          json = JSON.parse(isBinary ? '' : String(raw));
        } catch {
          json = undefined;
        }
        const m = parseInput(ClientMessage, json, 'message');
        if (m.op === 'subscribe') subscribe(m);
        else {
          sub?.close();
          sub = undefined;
        }
      } catch (err) {
        if (!isSmolError(err)) throw err;
        send({ op: 'error', code: err.code, message: err.message });
      }
    });
    send({ op: 'hello', nodeId: journal.nodeId, lastPosition: journal.lastPosition() });
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
