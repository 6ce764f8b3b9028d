import { z } from 'zod';
import { listMemories, type Memory, type MemoriesState } from '../../../projections/memories.js';
import { listNodes, type NodesState } from '../../../projections/nodes.js';
import { listObservations, type ObservationRow, type ObservationsState } from '../../../projections/observations.js';
import { FLEET_THRESHOLDS, fleetNodes, type FleetNode, type FleetThresholds } from '../../../projections/fleet.js';
import type { SensorsState } from '../../../projections/sensors.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { overviewAlerts, type Alert } from '../overview-alerts.js';
import { parseInput } from '../validate.js';
import { queryInt } from './query.js';

/** GET /api/overview: what the overview shows beside /api/health. */
export interface OverviewAnswer {
  alerts: Alert[];
  /** Newest first, LLM and statistical alike (each says which in `method`). */
  observations: ObservationRow[];
  /** Newest first (the memories page sorts by confidence). */
  memories: Memory[];
}

/** GET /api/fleet: every node this node holds events of. */
export interface FleetAnswer {
  self: string;
  /** This node's clock when it answered (ms): statuses are relative to it. */
  now: number;
  thresholds: FleetThresholds;
  nodes: FleetNode[];
}

const OverviewQuery = z.object({ limit: queryInt(1, 50).default(5) }).strict();
const FleetQuery = z.object({ readings: queryInt(0, 12).default(4) }).strict();

/** The overview's alerts and latest observations and memories, and the fleet view of a hub. Read scope. */
export const apiOverviewRoutes: RouteGroup = async (app, { deps }) => {
  const { journal, node } = deps;
  const now = deps.now ?? Date.now;
  app.addHook('onRequest', requireScope('read'));

  app.get('/api/overview', async (request): Promise<OverviewAnswer> => {
    const q = parseInput(OverviewQuery, request.query, 'query');
    const alerts = overviewAlerts({
      self: journal.nodeId,
      writeFault: journal.writeFault?.(),
      diskLow: journal.diskLow,
      memory: deps.memory?.pressure.status(),
      units: deps.units?.() ?? [],
      nodes: listNodes(node.runner<NodesState>('nodes').state),
    });
    const observations = await listObservations(node.runner('observations').store, { limit: q.limit });
    // Memories are few and live in state: all of them, newest first.
    const memories = listMemories(node.runner<MemoriesState>('memories').state, { limit: Number.MAX_SAFE_INTEGER })
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, q.limit);
    return { alerts, observations, memories };
  });

  app.get('/api/fleet', async (request): Promise<FleetAnswer> => {
    const q = parseInput(FleetQuery, request.query, 'query');
    const at = now();
    const nodes = fleetNodes({
      self: journal.nodeId,
      nodes: node.runner<NodesState>('nodes').state,
      sensors: node.runner<SensorsState>('sensors').state,
      heads: journal.heads(),
      vector: journal.vector(),
      now: at,
      readings: q.readings,
    });
    const observations = node.runner<ObservationsState>('observations');
    for (const n of nodes) {
      // The projection counts each origin's newest time: read just that millisecond, not the whole list.
      const lastAt = Object.hasOwn(observations.state.byOrigin, n.origin) ? observations.state.byOrigin[n.origin]!.lastAt : undefined;
      if (lastAt !== undefined) n.observation = (await listObservations(observations.store, { origin: n.origin, from: lastAt, to: lastAt + 1, limit: 1 }))[0] ?? null;
    }
    return { self: journal.nodeId, now: at, thresholds: FLEET_THRESHOLDS, nodes };
  });
};
