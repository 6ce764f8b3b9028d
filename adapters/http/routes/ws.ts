import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import type { JournalEntry } from '../../../core/events/event.js';
import type { Subscription } from '../../../core/journal/journal.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { WritePressure } from '../write-pressure.js';
import { LiveFanout, type LiveFilter, type LiveMember } from '../ws-fanout.js';

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
  /** Told when a client is dropped for being too slow (for the log). */
  readonly onSlowClient?: (info: { remoteAddress: string | undefined; position: number }) => void;
}

/** Close code for a client that could not keep up (it should reconnect and resume). */
export const WS_CLOSE_SLOW = 4008;

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
 * A client catching up has its own journal subscription, which pulls at the client's pace, so a
 * slow client only lags itself; one that stays behind too long is closed with 4008 and can resume.
 * At the live edge, clients with the same filter share one subscription and the same frame bytes
 * (LiveFanout), so the writer's thread does per-event work once, not once per client; in a write
 * storm all of it slows down (WritePressure) so that clients never slow the journal.
 */
export const wsRoutes: RouteGroup = async (app, { deps }) => {
  const { journal } = deps;
  const options = deps.ws ?? {};
  const highWater = options.highWaterBytes ?? 1 << 20;
  const slowMs = options.slowClientMs ?? 10_000;
  // The journal's writer shares this thread. While it writes in a storm (a USB import, a burst of
  // appends), the WebSocket work — live frames and catch-up alike — reads one window per
  // stormPauseMs, so dashboards fall behind and catch up when it is over instead of slowing it.
  const frameMs = options.frameMs ?? 5;
  const stormPauseMs = options.stormPauseMs ?? 1000;
  // Callers ask at least once per pause while it storms; only a longer silence makes a window stale.
  const pressure = new WritePressure(journal, options.stormEventsPerS ?? 2000, 100, Math.max(1000, 4 * stormPauseMs));
  const pause = (sent: boolean) => (pressure.storming() ? stormPauseMs : sent ? frameMs : 0);
  const fanout = new LiveFanout(journal, { pause, entryJson, frame: frameOf });
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const stop of open) stop();
    fanout.close();
  });

  app.get('/ws', { websocket: true, onRequest: requireScope('read') }, (socket: WebSocket, request) => {
    // A login cookie rides along with any page's WebSocket: only our own pages may use it.
    if (request.access.via === 'cookie' && !sameOrigin(request.headers.origin, request.headers.host)) {
      socket.close(4003, 'cross-origin WebSocket with a login cookie');
      return;
    }
    // A client reads the journal by itself (`own`) while it catches up or is backed up, and shares
    // the live fan-out once it is at the live edge; `generation` retires the handlers of an
    // earlier subscribe.
    let own: Subscription | undefined;
    let member: LiveMember | undefined;
    let generation = 0;
    let alive = true;
    const send = (m: ServerMessage) => socket.send(JSON.stringify(m));
    const isOpen = () => socket.readyState === socket.OPEN;

    const waitForRoom = async (position: number): Promise<boolean> => {
      const since = Date.now();
      while (socket.bufferedAmount > highWater) {
        if (!isOpen()) return false;
        if (Date.now() - since > slowMs) {
          options.onSlowClient?.({ remoteAddress: request.socket.remoteAddress, position });
          socket.close(WS_CLOSE_SLOW, ErrorCodes.WS_SLOW_CONSUMER);
          return false;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return isOpen();
    };

    const stopReading = () => {
      generation++;
      own?.close();
      own = undefined;
      if (member) fanout.leave(member);
      member = undefined;
    };

    const readAlone = (filter: LiveFilter, from: number, mine: number, announced: { live: boolean }) => {
      let position = from - 1;
      const current: Subscription = journal.subscribe(
        { fromPosition: from, batchSize: options.batchSize ?? 512, emptyBatches: true, ...(filter.types?.length ? { types: [...filter.types] } : {}), ...(filter.origins?.length ? { origins: [...filter.origins] } : {}) },
        async (entries, to) => {
          if (mine !== generation || !(await waitForRoom(position))) return current.close();
          if (mine !== generation) return current.close();
          if (entries.length > 0) socket.send(framesOf(entries, to));
          position = to;
          if (to < journal.lastPosition()) {
            // Catching up reads on at once, except in a storm (the same rule as the live frames).
            const ms = pause(false);
            if (ms > 0) await new Promise((r) => setTimeout(r, ms));
            return;
          }
          if (!announced.live) {
            announced.live = true;
            send({ op: 'live', position: to });
          }
          joinLive(filter, position, mine, announced, current);
        },
      );
      current.done.catch((err: unknown) => request.log.warn({ err }, 'ws subscription failed'));
      own = current;
    };

    const joinLive = (filter: LiveFilter, position: number, mine: number, announced: { live: boolean }, alone?: Subscription) => {
      const m: LiveMember = {
        position,
        send: (frame) => {
          if (mine !== generation || !isOpen()) return false;
          socket.send(frame, { binary: false });
          return socket.bufferedAmount <= highWater;
        },
        // Backed up (or superseded): read by itself again from where it is; that path waits for
        // room and drops the client if it stays behind too long.
        onLeft: () => {
          if (mine !== generation || !isOpen()) return;
          member = undefined;
          readAlone(filter, m.position + 1, mine, announced);
        },
      };
      if (!fanout.tryJoin(filter, m)) return;
      alone?.close();
      if (own === alone) own = undefined;
      member = m;
    };

    const subscribe = (m: { types?: string[] | undefined; origins?: string[] | undefined; fromPosition?: number | undefined }) => {
      stopReading();
      const mine = generation;
      const filter: LiveFilter = { types: m.types, origins: m.origins };
      const fromPosition = m.fromPosition ?? journal.lastPosition() + 1;
      send({ op: 'subscribed', fromPosition, lastPosition: journal.lastPosition() });
      const announced = { live: false };
      if (fromPosition > journal.lastPosition()) {
        announced.live = true;
        send({ op: 'live', position: fromPosition - 1 });
        joinLive(filter, fromPosition - 1, mine, announced);
        if (member) return;
      }
      readAlone(filter, fromPosition, mine, announced);
    };

    const stop = () => {
      stopReading();
      if (isOpen()) socket.close(1001, 'server closing');
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
      stopReading();
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
        else stopReading();
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
