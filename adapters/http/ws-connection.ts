import type { WebSocket } from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCodes, isSmolError } from '../../core/errors.js';
import type { JournalEntry } from '../../core/events/event.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import type { LiveFanout, LiveFilter, LiveMember } from './ws-fanout.js';
import { parseClientMessage, WS_CLOSE_SLOW, type ServerMessage, type SubscribeMessage } from './ws-protocol.js';

/** What every connection of /ws shares (built once by routes/ws.ts). */
export interface ConnectionContext {
  readonly journal: Journal;
  readonly fanout: LiveFanout;
  /** How long to wait between catch-up windows (the storm rule of routes/ws.ts). */
  readonly pause: (sent: boolean) => number;
  readonly framesOf: (entries: readonly JournalEntry[], to: number) => string;
  readonly highWaterBytes: number;
  readonly slowClientMs: number;
  readonly batchSize: number;
  readonly pingIntervalMs: number;
  readonly onSlowClient: ((info: { remoteAddress: string | undefined; position: number }) => void) | undefined;
  readonly remoteAddress: string | undefined;
  readonly log: FastifyBaseLogger;
  /** Counts journal subscriptions of clients reading by themselves until their reads are over. */
  readonly readers: { count: number };
  /**
   * Why a subscribe that must read history (a catch-up) is refused now (memory pressure), or
   * undefined. Subscribes at the live edge are always served.
   */
  readonly catchUpRefusal?: () => { code: string; message: string } | undefined;
}

/** One /ws connection as the route sees it. */
export interface WsConnection {
  /** Whether it holds a subscription now. */
  readonly subscribed: boolean;
  /** Bytes waiting to be sent to the client. */
  readonly queuedBytes: number;
  /** Ends its subscription and closes it (the node is closing). */
  stop(): void;
}

interface Wanted {
  readonly filter: LiveFilter;
  readonly fromPosition: number;
  readonly generation: number;
}

/**
 * Serves one /ws connection: at most one subscription, which a new subscribe replaces. A client
 * reads the journal by itself (`own`) while it catches up or is backed up, and shares the live
 * fan-out once it is at the live edge; `generation` retires the handlers of an earlier subscribe.
 * A replaced subscription's reads end before the next one starts (a burst of subscribes starts
 * only the newest), so one connection never holds more than one subscription's windows.
 */
export function serveConnection(socket: WebSocket, ctx: ConnectionContext): WsConnection {
  const { journal, fanout, pause, highWaterBytes: highWater } = ctx;
  let own: Subscription | undefined;
  let member: LiveMember | undefined;
  let generation = 0;
  let subscribed = false;
  let alive = true;
  let wanted: Wanted | undefined;
  let starting = false;
  // Settles when the reads of each of this connection's own journal subscriptions are over.
  const reading = new Set<Promise<void>>();
  const isOpen = () => socket.readyState === socket.OPEN;
  const send = (m: ServerMessage) => isOpen() && socket.send(JSON.stringify(m));
  // Event frames go out only while at most highWater bytes wait, so they alone never queue more
  // than highWater + the largest frame; what waits beyond that are answers the client sends for
  // without reading them. UTF-8 takes at most 3 bytes per UTF-16 unit.
  let largestFrame = 0;
  const sendFrame = (frame: Buffer | string) => {
    largestFrame = Math.max(largestFrame, typeof frame === 'string' ? 3 * frame.length : frame.length);
    socket.send(frame, { binary: false });
  };
  const ANSWERS_SLACK = 64 * 1024;

  const dropSlow = (position: number) => {
    ctx.onSlowClient?.({ remoteAddress: ctx.remoteAddress, position });
    socket.close(WS_CLOSE_SLOW, ErrorCodes.WS_SLOW_CONSUMER);
  };

  // False when the subscription is over (replaced: its reads must end so the next may start).
  const waitForRoom = async (position: number, mine: number): Promise<boolean> => {
    const since = Date.now();
    while (socket.bufferedAmount > highWater) {
      if (!isOpen() || mine !== generation) return false;
      if (Date.now() - since > ctx.slowClientMs) {
        dropSlow(position);
        return false;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return isOpen();
  };

  const stopReading = () => {
    generation++;
    subscribed = false;
    wanted = undefined;
    own?.close();
    own = undefined;
    if (member) fanout.leave(member);
    member = undefined;
  };

  const readAlone = (filter: LiveFilter, from: number, mine: number, announced: { live: boolean }) => {
    let position = from - 1;
    const current: Subscription = journal.subscribe(
      { fromPosition: from, batchSize: ctx.batchSize, emptyBatches: true, ...(filter.types?.length ? { types: [...filter.types] } : {}), ...(filter.origins?.length ? { origins: [...filter.origins] } : {}) },
      async (entries, to) => {
        if (mine !== generation || !(await waitForRoom(position, mine))) return current.close();
        if (mine !== generation) return current.close();
        if (entries.length > 0) sendFrame(ctx.framesOf(entries, to));
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
    ctx.readers.count++;
    const over = current.done.then(
      () => undefined,
      (err: unknown) => ctx.log.warn({ err }, 'ws subscription failed'),
    );
    reading.add(over);
    void over.finally(() => {
      reading.delete(over);
      ctx.readers.count--;
    });
    own = current;
  };

  const joinLive = (filter: LiveFilter, position: number, mine: number, announced: { live: boolean }, alone?: Subscription) => {
    const m: LiveMember = {
      position,
      send: (frame) => {
        if (mine !== generation || !isOpen()) return false;
        sendFrame(frame);
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

  const begin = ({ filter, fromPosition, generation: mine }: Wanted) => {
    const announced = { live: false };
    if (fromPosition > journal.lastPosition()) {
      announced.live = true;
      send({ op: 'live', position: fromPosition - 1 });
      joinLive(filter, fromPosition - 1, mine, announced);
      if (member) return;
    }
    readAlone(filter, fromPosition, mine, announced);
  };

  // Starts the newest subscribe once the reads of the ones it replaced are over.
  const startWanted = async () => {
    if (starting) return;
    starting = true;
    try {
      while (wanted) {
        if (reading.size > 0) await Promise.all(reading);
        const next = wanted;
        wanted = undefined;
        if (next && next.generation === generation && isOpen()) begin(next);
      }
    } finally {
      starting = false;
    }
  };

  const subscribe = (m: SubscribeMessage) => {
    const last = journal.lastPosition();
    // Positions are dense and a client has only been sent durable ones: a start past the next
    // position means the client read another journal (this node's was rebuilt, or it is another
    // node at the same address). Following on would wait in silence for positions whose events
    // will not be the ones it expects, so say so; the client resubscribes (hello has lastPosition).
    if (m.fromPosition !== undefined && m.fromPosition > last + 1) {
      send({ op: 'error', code: ErrorCodes.WS_POSITION_AHEAD, message: `fromPosition ${m.fromPosition} is past this journal's end (last position ${last})`, lastPosition: last, nodeId: journal.nodeId });
      return;
    }
    // A catch-up reads windows of history into memory; under memory pressure it is refused (the
    // client's subscription, if any, goes on) and the client asks again later.
    const refusal = m.fromPosition !== undefined && m.fromPosition <= last ? ctx.catchUpRefusal?.() : undefined;
    if (refusal) {
      send({ op: 'error', code: refusal.code, message: refusal.message, lastPosition: last });
      return;
    }
    stopReading();
    const fromPosition = m.fromPosition ?? last + 1;
    send({ op: 'subscribed', fromPosition, lastPosition: last });
    subscribed = true;
    wanted = { filter: { types: m.types, origins: m.origins }, fromPosition, generation };
    void startWanted();
  };

  const ping = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, ctx.pingIntervalMs);
  socket.on('pong', () => (alive = true));
  socket.on('close', () => {
    clearInterval(ping);
    stopReading();
  });
  // The ws library closes a connection on a protocol error (1002) or a message over maxPayload
  // (1009) by itself; the error is only the client's.
  socket.on('error', (err) => ctx.log.debug({ err }, 'ws protocol error'));
  socket.on('message', (raw, isBinary) => {
    if (!isOpen()) return; // closing: what still arrives is not answered
    // Answers pile up for a client that sends without reading them: that is a slow client too.
    if (socket.bufferedAmount > highWater + largestFrame + ANSWERS_SLACK) return dropSlow(member?.position ?? own?.position ?? 0);
    try {
      const m = parseClientMessage(raw, isBinary);
      if (m.op === 'subscribe') subscribe(m);
      else stopReading();
    } catch (err) {
      if (isSmolError(err)) return void send({ op: 'error', code: err.code, message: err.message });
      ctx.log.error({ err }, 'ws message failed');
      send({ op: 'error', code: ErrorCodes.INTERNAL, message: 'the message could not be handled' });
    }
  });
  send({ op: 'hello', nodeId: journal.nodeId, lastPosition: journal.lastPosition() });

  return {
    get subscribed() {
      return subscribed;
    },
    get queuedBytes() {
      return socket.bufferedAmount;
    },
    stop() {
      stopReading();
      if (isOpen()) socket.close(1001, 'server closing');
    },
  };
}
