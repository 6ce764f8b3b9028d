import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { UnitReport } from '../../core/runtime/units.js';
import websocket from '@fastify/websocket';
import type { Journal } from '../../core/journal/journal.js';
import type { ProjectionRunner } from '../../core/projection/runner.js';
import type { GpioMode, GpioPort } from '../../core/sensors/sensor-port.js';
import { ErrorCodes } from '../../core/errors.js';
import { resolveAccess, type AuthOptions } from './auth/guard.js';
import { applyRouteBodies, bodyGate, closeIfBodyUnread, holdContinue, sendContinue } from './body-gate.js';
import type { HttpSettings } from '../config/sections/http.js';
import { handleError, type ErrorBody } from './http-errors.js';
import { authRoutes } from './routes/auth.js';
import { apiReadingsRoutes } from './routes/api-readings.js';
import { apiJournalRoutes } from './routes/api-journal.js';
import { apiNodeRoutes } from './routes/api-node.js';
import { apiSearchRoutes, type SearchPorts } from './routes/api-search.js';
import { wsRoutes, type WsOptions } from './routes/ws.js';
import { staticRoutes } from './routes/static.js';
import { openaiRoutes, type OpenAiRouteDeps } from './routes/openai.js';
import { syncRoutes, type SyncRouteDeps } from './routes/sync.js';
import { apiAgentRoutes, type AgentChatPort } from './routes/api-agent.js';
import { apiToolsRoutes } from './routes/api-tools.js';
import { apiHardwareRoutes } from './routes/api-hardware.js';
import { apiOverviewRoutes } from './routes/api-overview.js';
import { apiVisionRoutes } from './routes/api-vision.js';
import { apiDevicesRoutes, type DeviceView } from './routes/api-devices.js';
import type { OutputPort } from '../../core/devices/device-port.js';
import type { ToolRegistry } from '../../core/tools/registry.js';
import { samplingFirst, samplingFirstBeforeSerializing, type SamplingIdle } from './sampling-first.js';
import { memoryGate, type AppMemory } from './memory-gate.js';

/** What the HTTP app needs of the running node (SmolNode fits). */
export interface AppNode {
  runner<S>(name: string): ProjectionRunner<S>;
  readonly gpio: GpioPort | undefined;
  setGpioMode(mode: GpioMode, reason: string): Promise<void>;
  writeGpio(pin: string, value: 0 | 1): Promise<void>;
  /** The sampler's priority: requests wait while a tick is due or running (sampling-first.ts). */
  readonly sampling?: SamplingIdle;
}

/** Everything the route groups use. Route groups of other features add their optional deps here. */
export interface AppDeps {
  readonly journal: Journal;
  readonly node: AppNode;
  readonly info: { readonly name: string; readonly role: 'llama' | 'alpaca'; readonly software: string; readonly startedAt: number };
  readonly auth: AuthOptions;
  /** Observation and memory search, once the agent's projections exist; absent = empty lists. */
  readonly search?: SearchPorts;
  /** The built UI (ui/dist); absent = no dashboard, API only. */
  readonly uiDir?: string;
  readonly ws?: WsOptions;
  /** Segment exchange with trusted peers (/sync/*); absent = no sync routes. */
  readonly sync?: SyncRouteDeps;
  /** The OpenAI-compatible API (/v1), backed by the agent; absent = no /v1 routes. */
  readonly openai?: OpenAiRouteDeps;
  /** The agent, for the dashboard's chat (/api/agent/ask); absent = no chat route. */
  readonly agent?: AgentChatPort;
  /** The node's tools, called directly (/api/tools); absent = no tool routes. */
  readonly tools?: ToolRegistry;
  readonly now?: () => number;
  /** Fastify's logger (pino options or false); default off. */
  readonly logger?: boolean | Record<string, unknown>;
  /** The node's logger (pino) for requests and errors, instead of `logger`; requests are logged at debug. */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Every unit of the node with its state, for /api/health; absent = none listed. */
  readonly units?: () => readonly UnitReport[];
  /** Timeouts, connection cap and body limits (the http config section); defaults as there. */
  readonly limits?: Partial<HttpLimits>;
  /** The configured outputs (LEDs, relays, PWM, displays), once the outputs unit started; absent = none. */
  readonly outputs?: () => OutputPort | undefined;
  /** The configured devices (sensors.devices), once the devices unit started; absent = none. */
  readonly devices?: () => readonly DeviceView[] | undefined;
  /** The memory unit's level: /api/health shows it; under pressure WebSocket catch-ups and large sync pushes are refused. */
  readonly memory?: AppMemory;
}

/** The parts of the http config section the app itself applies. */
export type HttpLimits = Pick<
  HttpSettings,
  'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections' | 'bodyLimitBytes' | 'maxUnauthenticatedBodies' | 'maxSyncPushBytes' | 'maxSyncUploads'
>;

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
  bodyLimitBytes: 1 << 20,
  maxUnauthenticatedBodies: 8,
  maxSyncPushBytes: 256 << 20,
  maxSyncUploads: 2,
};

/** A route group: one fastify plugin, given the app's deps. */
export type RouteGroup = FastifyPluginAsync<{ deps: AppDeps }>;

/**
 * The route groups, in registration order. A feature adds its plugin here, one line.
 * Each group guards its own routes (requireScope from auth/guard.ts, or its own scheme).
 */
const routeGroups: readonly RouteGroup[] = [
  authRoutes,
  apiNodeRoutes,
  apiReadingsRoutes,
  apiJournalRoutes,
  apiSearchRoutes,
  wsRoutes,
  syncRoutes,
  openaiRoutes,
  apiAgentRoutes,
  apiToolsRoutes,
  apiHardwareRoutes,
  apiOverviewRoutes,
  apiVisionRoutes,
  apiDevicesRoutes,
  staticRoutes,
];

/** Builds the node's fastify app without listening (the CLI listens; tests use inject). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const app = Fastify({
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance, logController: new LogController({ disableRequestLogging: true }) } : { logger: deps.logger ?? false }),
    bodyLimit: limits.bodyLimitBytes,
    // Node drops a request that has not fully arrived in time (408); fastify's default is never.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout,
      // How often node looks for requests past their time (its default, 30 s, would let them run on that long).
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeout / 4))),
    },
  });
  app.server.maxConnections = limits.maxConnections;
  holdContinue(app.server);
  app.addHook('onRoute', applyRouteBodies);
  const gate = bodyGate(limits);
  app.setErrorHandler(handleError);
  // One line per request, at debug: a dashboard polling every second would drown the log at info.
  if (deps.loggerInstance) app.addHook('onResponse', async (request, reply) => request.log.debug({ method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request'));
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: ErrorCodes.NOT_FOUND, message: `no route ${request.method} ${request.url.split('?')[0]}` } } satisfies ErrorBody);
  });
  // Who the caller is, once, before any route's own hooks decide what it may do.
  app.decorateRequest('access', null as never);
  app.addHook('onRequest', async (request, reply) => {
    request.access = resolveAccess(request, deps.auth);
    // Before any body is read: fastify parses bodies after onRequest (body-limits test checks it).
    gate(request, reply);
  });
  if (deps.memory) app.addHook('onRequest', memoryGate(deps.memory));
  if (deps.node.sampling) {
    app.addHook('onRequest', samplingFirst(deps.node.sampling));
    app.addHook('preSerialization', samplingFirstBeforeSerializing(deps.node.sampling));
  }
  app.addHook('preParsing', async (request, reply) => sendContinue(request, reply));
  app.addHook('onSend', closeIfBodyUnread);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const sync = deps.sync && { ...deps.sync, limits: { maxPushBytes: limits.maxSyncPushBytes, maxUploads: limits.maxSyncUploads, ...deps.sync.limits } };
  for (const group of routeGroups) await app.register(group, { deps: { ...deps, ...(sync ? { sync } : {}) } });
  return app;
}
