import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { JournalEntry } from '../../core/events/event.js';
import { parseInput } from './validate.js';

/** Close code for a client that could not keep up (it should reconnect and resume). */
export const WS_CLOSE_SLOW = 4008;
/** Close code for a connection over the node's WebSocket limit (SMOL_WS_SUBSCRIPTION_LIMIT); retry later. */
export const WS_CLOSE_LIMIT = 4029;

/**
 * The longest client message that is parsed (bytes). A valid subscribe is at most ~21 KB (two lists
 * of 50 names of 200 characters); longer messages up to the server's maxPayload (64 KiB, app.ts)
 * get SMOL_BODY_TOO_LARGE, and the ws library closes a connection whose message is larger than
 * that with 1009 before reading it.
 */
export const MAX_MESSAGE_BYTES = 32 * 1024;

const names = z.array(z.string().min(1).max(200)).max(50);
const ClientMessage = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), types: names.optional(), origins: names.optional(), fromPosition: z.number().int().min(1).optional() }).strict(),
  z.object({ op: z.literal('unsubscribe') }).strict(),
]);
export type ClientMessage = z.output<typeof ClientMessage>;
export type SubscribeMessage = Extract<ClientMessage, { op: 'subscribe' }>;

/** Messages the server sends. `to` in `events` is the last position scanned: resume from to + 1. */
export type ServerMessage =
  | { op: 'hello'; nodeId: string; lastPosition: number }
  | { op: 'subscribed'; fromPosition: number; lastPosition: number }
  | { op: 'events'; entries: JournalEntry[]; to: number }
  | { op: 'live'; position: number }
  | { op: 'error'; code: string; message: string; lastPosition?: number; nodeId?: string };

/**
 * Parses one client frame. Throws SMOL_BAD_REQUEST for a binary frame, one that is not JSON or not
 * a known message, and SMOL_BODY_TOO_LARGE for one over MAX_MESSAGE_BYTES.
 */
export function parseClientMessage(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ClientMessage {
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  if (isBinary) throw new SmolError(ErrorCodes.BAD_REQUEST, 'message: binary frames are not accepted; send JSON text');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new SmolError(ErrorCodes.BODY_TOO_LARGE, `message: ${bytes.length} bytes, at most ${MAX_MESSAGE_BYTES} are accepted`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SmolError(ErrorCodes.BAD_REQUEST, 'message: not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SmolError(ErrorCodes.BAD_REQUEST, 'message: expected a JSON object with an "op"');
  return parseInput(ClientMessage, json, 'message');
}

/** What the WebSocket route holds right now (for /ws's monitor, tests and benchmarks). */
export interface WsStats {
  /** Open /ws connections. */
  readonly connections: number;
  /** Connections with a subscription (each holds at most one). */
  readonly subscriptions: number;
  /** Journal subscriptions of clients reading by themselves (catching up or backed up) whose reads are not over yet. */
  readonly readers: number;
  /** Shared live subscriptions (one per filter) and the clients in them. */
  readonly liveGroups: number;
  readonly liveMembers: number;
  /** Bytes waiting to be sent, over all connections. */
  readonly queuedBytes: number;
}
