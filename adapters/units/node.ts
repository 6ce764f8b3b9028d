import { createRegistry } from '../../core/events/default-registry.js';
import type { EventRegistry } from '../../core/events/registry.js';
import { SmolNode } from '../../core/runtime/smol-node.js';
import { createProjections, projectionOptions } from '../../projections/all.js';
import { SOFTWARE } from '../version.js';
import { portLog } from '../log/logger.js';
import { repeatLimiter } from '../log/rate-limit.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    node: SmolNode;
    /** The one event registry of the node (schemas and upcasters), shared by every unit. */
    registry: EventRegistry;
  }
}

/**
 * The node runtime: projections kept current from the journal, and (from `begin` on) the sampler
 * and seals. Its stop journals `node.stopped` and commits the projections.
 */
export function nodeUnit(): NodeUnit {
  let node: SmolNode | undefined;
  let reason = () => 'stopped';
  return {
    name: 'node',
    needs: ['journal', 'sensors'],
    stopTimeoutMs: 3000,
    async start({ config, log, shelf, stopReason }) {
      reason = stopReason;
      const registry = createRegistry();
      const gpio = shelf.get('gpio');
      node = await SmolNode.create({
        journal: shelf.get('journal'),
        registry,
        name: config.node.name,
        role: config.node.role,
        software: SOFTWARE,
        projections: createProjections(projectionOptions(config)),
        projectionOptions: { commitIntervalMs: config.projections.commitIntervalMs, commitEvery: config.projections.commitEvery },
        schedules: shelf.get('schedules'),
        ...(gpio ? { gpio } : {}),
        sourceIntervalsMs: config.sensors.sourceIntervalsMs,
        sealIntervalMs: config.journal.sealIntervalMs,
        // A sensor that cannot be read fails every tick: said once, then once a minute with a count.
        log: portLog(log, repeatLimiter()),
      });
      shelf.put('node', node);
      shelf.put('registry', registry);
    },
    async stop() {
      await node?.stop(reason(), 1000);
    },
    health: () => ({ state: 'running' }),
  };
}
