import type { FastifyInstance } from 'fastify';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { Journal } from '../../core/journal/journal.js';
import { buildApp, type AppDeps, type AppNode, type HttpLimits } from './app.js';
import { loadOrCreateTokens, type ApiTokens } from './auth/tokens.js';
import { findUiDir } from './ui-dir.js';
import { projectionSearch } from './search-ports.js';

/** What `smollama start` passes: the http config section and the node. */
export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly openOnLoopback: boolean;
  /** Timeouts, connection cap and body limits (the http config section); defaults as there. */
  readonly limits?: Partial<HttpLimits>;
  readonly dataDir: string;
  readonly journal: Journal;
  readonly node: AppNode;
  readonly info: AppDeps['info'];
  /** Optional deps of other route groups (search, sync, …). */
  readonly extra?: Partial<AppDeps>;
  readonly log?: (message: string) => void;
  /** The API tokens, when the caller has read them already (else read or made here). */
  readonly tokens?: ApiTokens;
}

/** A listening dashboard and API. */
export interface RunningHttp {
  readonly app: FastifyInstance;
  /** The address to open locally, e.g. http://127.0.0.1:8080/. */
  readonly url: string;
  readonly tokens: ApiTokens;
  close(): Promise<void>;
}

/** Builds the app and listens. Throws SMOL_HTTP_LISTEN_FAILED when the port cannot be bound. */
export async function serveHttp(options: ServeOptions): Promise<RunningHttp> {
  const tokens = options.tokens ?? (await loadOrCreateTokens(options.dataDir));
  const uiDir = findUiDir();
  const app = await buildApp({
    journal: options.journal,
    node: options.node,
    info: options.info,
    auth: { tokens, openOnLoopback: options.openOnLoopback },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(uiDir ? { uiDir } : {}),
    search: projectionSearch(options.node),
    ws: { onSlowClient: ({ remoteAddress, position }) => options.log?.(`dropped slow WebSocket client ${remoteAddress ?? '?'} at position ${position}`) },
    ...options.extra,
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close();
    throw new SmolError(ErrorCodes.HTTP_LISTEN_FAILED, `cannot listen on ${options.host}:${options.port}: ${(err as Error).message} (set http.port or --port)`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return { app, url: `http://${shown}:${port}/`, tokens, close: () => app.close() };
}
