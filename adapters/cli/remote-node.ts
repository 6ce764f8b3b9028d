import WebSocket from 'ws';
import { ErrorCodes, SmolError, type ErrorCode } from '../../core/errors.js';
import type { JournalEntry } from '../../core/events/event.js';
import type { TailOptions } from '../../journal-tools/tail.js';
import { readTokens, tokensPath } from '../http/auth/tokens.js';
import { readStatusFile } from './data-dir.js';

/**
 * The journal commands' client of a running node (`journal tail --follow`, `stats`, `inspect`):
 * while a node runs, LevelDB's lock keeps every other process out of its journal, so these ask the
 * node itself, over its HTTP API and /ws, like `journalctl -f` asks journald. Everything it needs
 * is in the data directory: the node's address (status.json, which the running node rewrites when
 * its units change and every 5 min) and the read token (http-tokens.json, 0600: only the directory's owner gets in).
 */
export interface RunningNodeApi {
  /** The node's base URL, e.g. http://127.0.0.1:8080/. */
  readonly url: string;
  readonly pid: number;
  readonly nodeId: string;
  /** The read-only token: these commands only look. */
  readonly token: string;
}

/** How long a locked journal may go without a status file naming a live node (one that is starting writes it once HTTP listens). */
const STATUS_WAIT_MS = 5_000;
const STATUS_POLL_MS = 200;
/** A full `journal stats` scan of a big journal on a Pi takes a while; nothing else should. */
const REQUEST_TIMEOUT_MS = 120_000;

/** True when a process with this pid exists (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds the node that holds the journal of `dataDir` (the caller saw SMOL_ALREADY_RUNNING). Waits
 * up to 5 s for a status file naming a live process (a node that is starting writes it once its
 * HTTP server listens). Throws SMOL_ALREADY_RUNNING when no live node says it runs there (another
 * journal command holds the lock), SMOL_NODE_UNREACHABLE when it serves no HTTP API,
 * SMOL_FILE_CORRUPT when status.json or http-tokens.json is damaged or the token file is missing,
 * SMOL_FILE_PERMISSIONS when this user may not read them.
 */
export async function findRunningNode(dataDir: string): Promise<RunningNodeApi> {
  const deadline = Date.now() + STATUS_WAIT_MS;
  for (;;) {
    const status = await readStatusFile(dataDir);
    if (status?.running && pidAlive(status.pid)) {
      if (!status.http) throw new SmolError(ErrorCodes.NODE_UNREACHABLE, `the node running on ${dataDir} (pid ${status.pid}) serves no HTTP API, and its journal is locked while it runs; stop it to use this command`);
      const tokens = await readTokens(dataDir);
      if (!tokens) {
        throw new SmolError(
          ErrorCodes.FILE_CORRUPT,
          `${tokensPath(dataDir)} is missing, but the node running on ${dataDir} (pid ${status.pid}) created it at start: without its token this command cannot ask the node; restore the file from a backup, or restart the node to write new tokens (that revokes the old ones)`,
          { details: { file: tokensPath(dataDir) } },
        );
      }
      return { url: status.http, pid: status.pid, nodeId: status.nodeId, token: tokens.read };
    }
    if (Date.now() >= deadline) {
      throw new SmolError(
        ErrorCodes.ALREADY_RUNNING,
        `the journal in ${dataDir} is locked, but no running node says it is there (status.json ${status ? `names pid ${status.pid}, which is ${status.running ? 'gone' : 'stopped'}` : 'is missing'}): another smollama command may be using it; try again when it is done`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
  }
}

const knownCodes = new Set<string>(Object.values(ErrorCodes));

/** The node's error answer as the same SmolError the local command would throw. */
function answerError(status: number, body: unknown, what: string): SmolError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' && knownCodes.has(error.code) ? (error.code as ErrorCode) : ErrorCodes.INTERNAL;
  const message = typeof error?.message === 'string' ? error.message : `the node answered ${what} with HTTP ${status}`;
  return new SmolError(code, message, { details: { status } });
}

/** GET a JSON answer from the node's API. Throws the node's error code, or SMOL_NODE_UNREACHABLE when it does not answer. */
export async function getJson<T>(node: RunningNodeApi, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = new URL(path, node.url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${node.token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw unreachable(node, (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message, err);
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SmolError(ErrorCodes.NODE_UNREACHABLE, `the node at ${node.url} answered ${url.pathname} with something that is not JSON (HTTP ${res.status}); is another program on that port?`);
  }
  if (!res.ok) throw answerError(res.status, body, url.pathname);
  return body as T;
}

function unreachable(node: RunningNodeApi, why: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.NODE_UNREACHABLE, `cannot reach the node running on pid ${node.pid} at ${node.url}: ${why}`, cause === undefined ? undefined : { cause });
}

const MAX_PAGE = 1000; // the most GET /api/journal returns at once

/** The last `limit` matching events, oldest first, and the position they were read up to (follow from there + 1). */
export async function remoteTail(node: RunningNodeApi, options: TailOptions): Promise<{ entries: JournalEntry[]; lastPosition: number }> {
  const newestFirst: JournalEntry[] = [];
  let lastPosition: number | undefined;
  let to: number | undefined;
  while (newestFirst.length < options.limit) {
    const limit = Math.min(MAX_PAGE, options.limit - newestFirst.length);
    const page = await getJson<{ lastPosition: number; entries: JournalEntry[] }>(node, '/api/journal', {
      limit,
      order: 'desc',
      to,
      types: options.types?.length ? options.types.join(',') : undefined,
      origins: options.origins?.length ? options.origins.join(',') : undefined,
    });
    // The first page fixes the end; the next pages read below it, so nothing is seen twice or missed.
    lastPosition ??= page.lastPosition;
    newestFirst.push(...page.entries);
    const oldest = page.entries.at(-1)?.position;
    if (page.entries.length < limit || oldest === undefined || oldest <= 1) break;
    to = oldest - 1;
  }
  return { entries: newestFirst.reverse(), lastPosition: lastPosition ?? 0 };
}

/** How a follow ended: asked to (signal, reader gone) or because the node closed the stream as it stopped. */
export type FollowEnd = 'asked' | 'node-stopped';

/**
 * Prints every matching event from `fromPosition` on as the node journals it, through /ws, until
 * `stop` resolves or the node closes the stream. A connection the node dropped because this reader
 * fell behind (4008) is resumed from where it was. Rejects with the node's error frame's code
 * (SMOL_WS_SUBSCRIPTION_LIMIT, SMOL_WS_POSITION_AHEAD, …) or SMOL_NODE_UNREACHABLE when the
 * connection fails or is lost without a close (the node was killed).
 */
export function followRemote(node: RunningNodeApi, fromPosition: number, options: TailOptions, onEntry: (e: JournalEntry) => void, stop: Promise<void>): Promise<FollowEnd> {
  const wsUrl = new URL('/ws', node.url);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise<FollowEnd>((resolve, reject) => {
    let next = fromPosition;
    let asked = false;
    let failed: SmolError | undefined;
    let socket: WebSocket;
    const connect = () => {
      socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${node.token}` } });
      socket.on('open', () => {
        const subscribe = { op: 'subscribe', fromPosition: next, ...(options.types?.length ? { types: options.types } : {}), ...(options.origins?.length ? { origins: options.origins } : {}) };
        socket.send(JSON.stringify(subscribe));
      });
      socket.on('message', (data: Buffer) => {
        let msg: { op?: string; entries?: JournalEntry[]; to?: number; code?: string; message?: string };
        try {
          msg = JSON.parse(data.toString('utf8')) as typeof msg;
        } catch {
          return; // not ours to print; the node only sends JSON
        }
        if (msg.op === 'events' && Array.isArray(msg.entries)) {
          for (const e of msg.entries) onEntry(e);
          if (typeof msg.to === 'number') next = msg.to + 1;
        } else if (msg.op === 'error') {
          failed = answerError(0, { error: msg }, '/ws');
          socket.close(1000);
        }
      });
      socket.on('error', (err) => {
        // Before the upgrade: refused, or an HTTP answer instead of a WebSocket (401 with a wrong token).
        failed ??= unreachable(node, err.message, err);
      });
      socket.on('close', (code) => {
        if (asked) return resolve('asked');
        if (failed) return reject(failed);
        if (code === 4008) return connect(); // we fell behind; resume where we were
        // A node that stops closes its sockets (1001, or 1005 when fastify closes them first); 1006 means it vanished.
        if (code === 1000 || code === 1001 || code === 1005) return resolve('node-stopped');
        reject(unreachable(node, `the connection was lost (WebSocket close ${code})`));
      });
    };
    connect();
    void stop.then(() => {
      asked = true;
      if (socket.readyState === WebSocket.CLOSED) resolve('asked');
      else socket.close(1000);
    });
  });
}
