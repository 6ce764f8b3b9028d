import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { GpioMode, GpioPort, PinState } from '../../../core/sensors/sensor-port.js';
import { listNodes, seenLocally, type NodesState, type SeenNode } from '../../../projections/nodes.js';
import { sourceList, type SensorsState } from '../../../projections/sensors.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { overallState } from '../../../core/runtime/units.js';
import { budgetHeld, type MemoryStatus } from '../../../core/runtime/memory-pressure.js';

/** GET /api/health (public): the node's state, its problems and units, uptime and projection lag. */
export interface HealthAnswer {
  status: 'ok' | 'degraded';
  problems: Array<{ code: string; message: string; since?: string; refusedAppends?: number; unit?: string }>;
  units: Array<{ name: string; state: string; code?: string; message?: string }>;
  node: { id: string; name: string; role: string; software: string };
  uptimeS: number;
  lastPosition: number;
  projections: Record<string, { position: number; lag: number }>;
  /** The memory unit's level and figures (MB; null: not read). Absent on a node without it. */
  memory?: ReturnType<typeof memoryOf>;
}
/** GET /api/stats. */
export interface StatsAnswer {
  lastPosition: number;
  origins: number;
  eventsByOrigin: Record<string, number>;
  sources: number;
  readings: number;
  uptimeS: number;
  projections: Record<string, { position: number; lag: number }>;
}
/** One node of GET /api/nodes: the projection's node, last seen by our clock, and what we hold of it. */
export type NodeEntry = SeenNode & { self: boolean; heldSeq: number };
/** GET /api/nodes. */
export interface NodesAnswer {
  self: string;
  vector: Record<string, number>;
  nodes: NodeEntry[];
}
/** GET /api/gpio (and the answer of its writes, without `available`). */
export interface GpioAnswer {
  available?: boolean;
  mode: GpioMode | null;
  hardwareAvailable: boolean;
  pins: PinState[];
}

const GpioModeBody = z.object({ mode: z.enum(['hardware', 'simulated']), reason: z.string().max(200).optional() }).strict();
const PinParams = z.object({ name: z.string().min(1).max(63) });
const PinBody = z.object({ value: z.union([z.literal(0), z.literal(1)]) }).strict();

/** Health, stats, nodes and GPIO: what the node is and how it is doing. */
export const apiNodeRoutes: RouteGroup = async (app, { deps }) => {
  const { journal, node, info } = deps;
  const now = deps.now ?? Date.now;
  const read = requireScope('read');
  const admin = requireScope('admin');

  const projections = () =>
    Object.fromEntries(
      [...(['sensors', 'nodes'] as const)].map((name) => {
        const position = node.runner(name).position;
        return [name, { position, lag: Math.max(0, journal.lastPosition() - position) }];
      }),
    );

  // Why the node is degraded: the journal refuses writes (disk full, I/O error) or low-value ones (low space).
  const problems = () => {
    const fault = journal.writeFault?.();
    if (fault) return [{ code: fault.code, message: fault.code === ErrorCodes.DISK_FULL ? 'the data disk is full: writes are refused until there is room again' : 'the journal cannot write: writes are refused until it can again', since: new Date(fault.sinceMs).toISOString(), refusedAppends: fault.refused }];
    if (journal.diskLow) return [{ code: ErrorCodes.DISK_LOW, message: 'free space on the data disk is below journal.minFreeBytes: observations, agent questions and sync imports are refused, readings go on' }];
    return [];
  };

  // Every unit with its state; a degraded or failed one (other than the journal, whose problem is above) is a problem too.
  const units = () =>
    (deps.units?.() ?? []).map((u) => ({ name: u.name, state: u.state, ...(u.code ? { code: u.code } : {}), ...(u.message ? { message: u.message } : {}) }));

  // Public, for monitors: nothing here is secret. Degraded still answers 200: the node is up and serving reads.
  app.get('/api/health', async (): Promise<HealthAnswer> => {
    const listed = units();
    const unitProblems = listed.filter((u) => u.name !== 'journal' && (u.state === 'degraded' || u.state === 'failed')).map((u) => ({ code: u.code ?? ErrorCodes.INTERNAL, message: `${u.name}: ${u.message ?? u.state}`, unit: u.name }));
    const degraded = [...problems(), ...unitProblems];
    return {
      status: degraded.length > 0 || overallState(listed) !== 'ok' ? 'degraded' : 'ok',
      problems: degraded,
      units: listed,
      node: { id: journal.nodeId, name: info.name, role: info.role, software: info.software },
      uptimeS: Math.round((now() - info.startedAt) / 1000),
      lastPosition: journal.lastPosition(),
      projections: projections(),
      ...(deps.memory ? { memory: memoryOf(deps.memory.pressure.status()) } : {}),
    };
  });

  app.get('/api/stats', { onRequest: read }, async (): Promise<StatsAnswer> => {
    const sensors = node.runner<SensorsState>('sensors').state;
    const nodes = listNodes(node.runner<NodesState>('nodes').state);
    const sources = sourceList(sensors);
    return {
      lastPosition: journal.lastPosition(),
      origins: nodes.length,
      eventsByOrigin: Object.fromEntries(nodes.map((n) => [n.origin, n.events])),
      sources: sources.length,
      readings: sources.reduce((sum, s) => sum + s.count, 0),
      uptimeS: Math.round((now() - info.startedAt) / 1000),
      projections: projections(),
    };
  });

  app.get('/api/nodes', { onRequest: read }, async (): Promise<NodesAnswer> => {
    const vector = journal.vector();
    const heads = journal.heads();
    // lastSeen of another node is when we received its newest event, not what its clock claims.
    const nodes = listNodes(node.runner<NodesState>('nodes').state).map((n) => ({ ...seenLocally(n, heads.get(n.origin), journal.nodeId), self: n.origin === journal.nodeId, heldSeq: vector[n.origin] ?? 0 }));
    return { self: journal.nodeId, vector, nodes };
  });

  const gpioOf = (): GpioPort => {
    const gpio = node.gpio;
    if (!gpio) throw new SmolError(ErrorCodes.NOT_FOUND, 'this node has no GPIO (sensors.gpio.enabled is false)');
    return gpio;
  };
  const gpioView = (gpio: GpioPort): GpioAnswer => ({ mode: gpio.mode, hardwareAvailable: gpio.hardwareAvailable, pins: gpio.list() });

  app.get('/api/gpio', { onRequest: read }, async (): Promise<GpioAnswer> => (node.gpio ? { available: true, ...gpioView(node.gpio) } : { available: false, mode: null, hardwareAvailable: false, pins: [] }));

  app.post('/api/gpio/mode', { onRequest: admin }, async (request) => {
    const body = parseInput(GpioModeBody, request.body, 'body');
    const gpio = gpioOf();
    if (gpio.mode !== body.mode) await node.setGpioMode(body.mode, body.reason ?? `switched over HTTP (${request.access.via})`);
    return gpioView(gpio);
  });

  app.post('/api/gpio/pins/:name', { onRequest: admin }, async (request) => {
    const { name } = parseInput(PinParams, request.params, 'params');
    const { value } = parseInput(PinBody, request.body, 'body');
    const gpio = gpioOf();
    await node.writeGpio(name, value);
    return gpioView(gpio);
  });
};

const MIB = 1024 * 1024;
const mb = (bytes: number | undefined) => (bytes === undefined ? null : Math.round(bytes / MIB));

/** The memory unit's level and figures for /api/health (MB; null: could not be read, e.g. no PSI). */
function memoryOf(status: MemoryStatus) {
  const s = status.sample;
  return {
    level: status.level,
    since: new Date(status.sinceMs).toISOString(),
    budgetMb: mb(status.budgetBytes),
    // False when V8 may grow its heap past the budget (no fitting --max-old-space-size): RSS is then not held to it.
    budgetHeld: s === undefined || budgetHeld(s, status.budgetBytes),
    rssMb: mb(s?.rssBytes),
    heapUsedMb: mb(s?.heapUsedBytes),
    heapLimitMb: mb(s?.heapLimitBytes),
    availableMb: mb(s?.memAvailableBytes),
    totalMb: mb(s?.memTotalBytes),
    swapUsedMb: s?.swapTotalBytes !== undefined && s.swapFreeBytes !== undefined ? mb(s.swapTotalBytes - s.swapFreeBytes) : null,
    psiSomeAvg10: s?.psiSomeAvg10 ?? null,
    psiFullAvg10: s?.psiFullAvg10 ?? null,
  };
}
