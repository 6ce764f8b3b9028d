import type { Config } from '../config/schema.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { createProjections, projectionOptions } from '../../projections/all.js';
import { startAgentServices, type AgentServices } from '../tools/agent-services.js';
import { openNodeJournal } from './data-dir.js';

/**
 * Runs `work` with the agent side of a node that is not running (`smollama ask`, `smollama tool`):
 * its journal opened here, the projections caught up, the tools and agent built on them (no
 * observer schedule, no GPIO, no MQTT: those belong to the running node). Everything is closed
 * after. Throws SMOL_ALREADY_RUNNING when the node runs (its journal is locked).
 */
export async function withLocalAgent<T>(config: Config, work: (services: AgentServices) => Promise<T>): Promise<T> {
  const journal = await openNodeJournal(config);
  const registry = createRegistry();
  const runners = new Map<string, ProjectionRunner<unknown>>();
  try {
    for (const p of createProjections(projectionOptions(config))) {
      const r = new ProjectionRunner(journal, p, registry);
      runners.set(p.name, r);
      await r.start();
    }
    for (const r of runners.values()) await r.caughtUp();
    const node = {
      journal,
      runner<S>(name: string) {
        const r = runners.get(name);
        if (!r) throw new TypeError(`no projection named ${name}`);
        return r as ProjectionRunner<S>;
      },
    };
    const services = await startAgentServices({ config, node, registry, observe: false });
    try {
      return await work(services);
    } finally {
      await services.stop();
    }
  } finally {
    for (const r of runners.values()) await r.stop().catch(() => undefined);
    await journal.close();
  }
}
