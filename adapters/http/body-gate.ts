import type { IncomingMessage, Server } from 'node:http';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ErrorCodes, SmolError } from '../../core/errors.js';

/**
 * Who may make the node read a request body, and how much of it. A body is read only after the
 * caller is known: token holders (and loopback) up to the route's limit; anyone else only on the
 * few routes that exist for them (login: a token of a few bytes), a bounded number at a time.
 * Sync routes check their signed header themselves before reading (routes/sync.ts). A request
 * refused before its body was read is answered with `Connection: close`, so the rest of its bytes
 * are never read off the socket.
 */
export type BodyFrom = 'token' | 'anyone' | 'signed';

/** What a route's body may be. */
export interface RouteBody {
  readonly limit: number;
  readonly from: BodyFrom;
}

/** Routes whose bodies are smaller or more public than the app's default (method and url as registered). */
export const ROUTE_BODIES: Readonly<Record<string, RouteBody>> = {
  'POST /api/login': { limit: 1024, from: 'anyone' },
  'POST /api/logout': { limit: 1024, from: 'anyone' },
  'POST /api/gpio/mode': { limit: 4096, from: 'token' },
  'POST /api/gpio/pins/:name': { limit: 4096, from: 'token' },
  'POST /api/outputs/:name': { limit: 4096, from: 'token' },
  'POST /api/vision/look': { limit: 1024, from: 'token' },
  // A question (8,000 characters) and 40 turns of history (16,000 each), as UTF-8 JSON.
  'POST /api/agent/ask': { limit: 2 << 20, from: 'token' },
  'POST /v1/chat/completions': { limit: 4 << 20, from: 'token' },
  'POST /v1/embeddings': { limit: 2 << 20, from: 'token' },
  // Tool arguments: the largest is an mqtt_publish payload (64 KiB, up to 6 bytes a character as JSON).
  'POST /api/tools/:name': { limit: 512 << 10, from: 'token' },
};

/** Route config key set by onRoute: how the gate treats the route's body. */
declare module 'fastify' {
  interface FastifyContextConfig {
    body?: BodyFrom;
  }
}

/** An onRoute hook: gives each route in ROUTE_BODIES its limit and who may send it a body. */
export function applyRouteBodies(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const method of methods) {
    const spec = ROUTE_BODIES[`${method} ${route.url}`];
    if (!spec) continue;
    route.bodyLimit ??= spec.limit;
    route.config = { ...route.config, body: route.config?.body ?? spec.from };
  }
}

/** The body length a request declares: its Content-Length, undefined when chunked or absent, 0 for none. */
export function declaredLength(request: FastifyRequest): number | undefined {
  const te = request.headers['transfer-encoding'];
  const cl = request.headers['content-length'];
  if (te !== undefined) return undefined;
  if (cl === undefined) return 0;
  return /^\d{1,15}$/.test(cl) ? Number(cl) : undefined;
}

/** True when the request has (or may have) a body. */
export function hasBody(request: FastifyRequest): boolean {
  return declaredLength(request) !== 0;
}

/** An onSend hook: a request whose body was not read to its end closes its connection after the answer. */
export function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  if (hasBody(request) && !request.raw.complete) void reply.header('connection', 'close');
  done(null, payload);
}

/** Requests waiting for `100 Continue`, which they get only once they are let in (see holdContinue). */
const awaitingContinue = new WeakSet<IncomingMessage>();

/**
 * Node answers `Expect: 100-continue` at once unless the server handles 'checkContinue'. Handling
 * it, the node tells a client to send its body only after the onRequest hooks let the request in.
 */
export function holdContinue(server: Server): void {
  server.on('checkContinue', (req, res) => {
    awaitingContinue.add(req);
    server.emit('request', req, res);
  });
}

/** A preParsing hook (or a call before reading a body): sends `100 Continue` to a request that waits for it. */
export function sendContinue(request: FastifyRequest, reply: FastifyReply): void {
  if (!awaitingContinue.delete(request.raw)) return;
  if (!reply.raw.headersSent) reply.raw.writeContinue();
}

/** Counts requests in a bounded pool; `acquire` fails with SMOL_HTTP_BUSY when it is full. */
export class Slots {
  private used = 0;
  constructor(
    readonly size: number,
    private readonly what: string,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes a slot until the answer is finished or the connection is gone. Throws SMOL_HTTP_BUSY. */
  acquire(reply: FastifyReply): void {
    if (this.used >= this.size) throw new SmolError(ErrorCodes.HTTP_BUSY, `too many ${this.what} at once (${this.size}); try again shortly`, { details: { retryAfterS: 1 } });
    this.used++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.used--;
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
  }
}

export interface BodyGateOptions {
  /** Requests without credentials whose bodies may be read at once (on 'anyone' routes). */
  readonly maxUnauthenticatedBodies: number;
}

/**
 * The app's onRequest rule, run right after the caller is known: a body from a caller without a
 * token (or loopback) is refused unread, except on routes open to anyone, which take a bounded
 * number of such bodies at once. Throws SMOL_AUTH_REQUIRED / SMOL_AUTH_INVALID, SMOL_HTTP_BUSY.
 */
export function bodyGate(options: BodyGateOptions) {
  const unauthenticated = new Slots(options.maxUnauthenticatedBodies, 'requests with a body from callers without a token');
  const gate = (request: FastifyRequest, reply: FastifyReply): void => {
    if (!hasBody(request)) return;
    const from = request.routeOptions.config?.body ?? 'token';
    if (from === 'signed' || request.access?.scope !== undefined) return;
    if (from === 'anyone') return unauthenticated.acquire(reply);
    if (request.access?.via === 'bad-bearer') throw new SmolError(ErrorCodes.AUTH_INVALID, 'the bearer token is not a token of this node');
    throw new SmolError(ErrorCodes.AUTH_REQUIRED, 'a request with a body needs "Authorization: Bearer <token>" or a login (see `smollama status`)');
  };
  return Object.assign(gate, { unauthenticated });
}
