import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFileAs, writeJsonFile } from '../../sync/json-file.js';

/** What a caller may do: `read` sees everything, `admin` may also change things (GPIO mode, pins). */
export type Scope = 'read' | 'admin';

/** The node's API secrets, created on first start and kept in the data directory (mode 0600). */
export interface ApiTokens {
  readonly read: string;
  readonly admin: string;
  /** HMAC key of login cookies; a new key logs everyone out. */
  readonly cookieKey: string;
}

const TokensFile = z.object({ read: z.string().min(20), admin: z.string().min(20), cookieKey: z.string().min(20) });

/** Where the tokens live in a data directory. */
export function tokensPath(dataDir: string): string {
  return join(dataDir, 'http-tokens.json');
}

/** Generates a fresh set of tokens; `random` is injectable so tests can pin it. */
export function generateTokens(random: (n: number) => Buffer = randomBytes): ApiTokens {
  return {
    read: `smol_read_${random(24).toString('base64url')}`,
    admin: `smol_admin_${random(24).toString('base64url')}`,
    cookieKey: random(32).toString('base64url'),
  };
}

/**
 * Reads the tokens of a data directory, or undefined when there are none.
 * Throws SMOL_FILE_CORRUPT naming http-tokens.json when it is damaged: replacing it would revoke
 * every token handed out without a word.
 */
export async function readTokens(dataDir: string): Promise<ApiTokens | undefined> {
  return readJsonFileAs(tokensPath(dataDir), TokensFile, 'token file (http-tokens.json)');
}

/** Loads the tokens of a data directory, creating them (mode 0600) on first start. Throws like readTokens. */
export async function loadOrCreateTokens(dataDir: string, random?: (n: number) => Buffer): Promise<ApiTokens> {
  const existing = await readTokens(dataDir);
  if (existing) return existing;
  const tokens = generateTokens(random);
  await writeJsonFile(tokensPath(dataDir), tokens, { mode: 0o600 });
  return tokens;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The scope a presented bearer token grants, or undefined when it is no token of ours. */
export function scopeOfToken(tokens: ApiTokens, presented: string): Scope | undefined {
  if (same(presented, tokens.admin)) return 'admin';
  if (same(presented, tokens.read)) return 'read';
  return undefined;
}

function mac(tokens: ApiTokens, payload: string): string {
  return createHmac('sha256', tokens.cookieKey).update(payload).digest('base64url');
}

/** A login cookie value: stateless, `v1.<scope>.<expires ms>.<hmac>`, so it survives restarts. */
export function signSession(tokens: ApiTokens, scope: Scope, expiresAt: number): string {
  const payload = `v1.${scope}.${expiresAt}`;
  return `${payload}.${mac(tokens, payload)}`;
}

/** The scope of a login cookie value, or undefined when it is forged, malformed or expired. */
export function verifySession(tokens: ApiTokens, value: string, now: number): Scope | undefined {
  const m = /^v1\.(read|admin)\.(\d{1,16})\.([A-Za-z0-9_-]+)$/.exec(value);
  if (!m) return undefined;
  const [, scope, expires, sig] = m;
  if (!same(sig!, mac(tokens, `v1.${scope}.${expires}`))) return undefined;
  if (Number(expires) <= now) return undefined;
  return scope as Scope;
}
