import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { scopeOfToken, verifySession, type ApiTokens, type Scope } from './tokens.js';

export const SESSION_COOKIE = 'smollama_session';

/** How a request was let in. `scope` undefined: anonymous from a non-loopback address. */
export interface Access {
  readonly scope: Scope | undefined;
  readonly via: 'loopback' | 'bearer' | 'cookie' | 'bad-bearer' | 'none';
}

/** What the guard needs: the node's tokens, whether loopback is trusted, and the time (ms). */
export interface AuthOptions {
  readonly tokens: ApiTokens;
  /** Requests from 127.0.0.0/8 and ::1 need no credentials (default true). */
  readonly openOnLoopback?: boolean;
  readonly now?: () => number;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** Reads one cookie from a Cookie header without a cookie library. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Works out who a request is. A bearer token that is not ours counts as no credential (OpenAI
 * clients send dummy keys), but is remembered so the refusal can say the token was wrong.
 */
export function resolveAccess(request: FastifyRequest, options: AuthOptions): Access {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const fromBearer = m ? scopeOfToken(options.tokens, m[1]!) : undefined;
  if (fromBearer) return { scope: fromBearer, via: 'bearer' };
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  const fromCookie = cookie === undefined ? undefined : verifySession(options.tokens, cookie, (options.now ?? Date.now)());
  if (fromCookie) return { scope: fromCookie, via: 'cookie' };
  if ((options.openOnLoopback ?? true) && isLoopback(request.socket.remoteAddress)) return { scope: 'admin', via: 'loopback' };
  return { scope: undefined, via: m ? 'bad-bearer' : 'none' };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who this request is; set by the guard's onRequest hook before any route hook runs. */
    access: Access;
  }
}

/**
 * An onRequest hook that lets a request through only with `scope` (admin includes read).
 * Throws SMOL_AUTH_REQUIRED (401) without credentials, SMOL_AUTH_INVALID (401) with a wrong token,
 * SMOL_FORBIDDEN (403) with too little.
 */
export function requireScope(scope: Scope): onRequestHookHandler {
  return function guard(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
    const have = request.access?.scope;
    if (have === undefined && request.access?.via === 'bad-bearer') return done(new SmolError(ErrorCodes.AUTH_INVALID, 'the bearer token is not a token of this node'));
    if (have === undefined) return done(new SmolError(ErrorCodes.AUTH_REQUIRED, 'log in or send "Authorization: Bearer <token>" (see `smollama status`)'));
    if (scope === 'admin' && have !== 'admin') return done(new SmolError(ErrorCodes.FORBIDDEN, 'this needs the admin token; the read-only token may only look'));
    done();
  };
}
