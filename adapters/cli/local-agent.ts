import type { Config } from '../config/schema.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { ProjectionGroup } from '../../core/projection/group.js';
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
  let group: ProjectionGroup | undefined;
  try {
    for (const p of createProjections(projectionOptions(config))) runners.set(p.name, new ProjectionRunner(journal, p, registry, config.projections));
    // One journal pass for all projections, as the node does (a cold catch-up reads the journal once).
    group = new ProjectionGroup(journal, [...runners.values()]);
    await group.start();
    await group.caughtUp();
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
    // Stops the one subscription and commits every runner.
    await group?.stop().catch(() => undefined);
    await journal.close();
  }
}
