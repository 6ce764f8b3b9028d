import { startAgentServices, type AgentServices } from '../tools/agent-services.js';
import { coverageNote } from '../vectors/vector-store.js';
import { portLog } from '../log/logger.js';
import { repeatLimiter } from '../log/rate-limit.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    agent: AgentServices;
  }
}

/**
 * The agent side: model and embeddings clients, the vector index, memory, tools, the agent and
 * the observer (statistical while no model answers). Its stop ends the observer and saves the index.
 */
export function agentUnit(): NodeUnit {
  let agent: AgentServices | undefined;
  return {
    name: 'agent',
    needs: ['node', 'memory'],
    stopTimeoutMs: 1500,
    async start({ config, log, shelf }) {
      agent = await startAgentServices({ config, node: shelf.get('node'), registry: shelf.get('registry'), observe: true, log: portLog(log, repeatLimiter()), memoryPressure: shelf.get('memoryPressure') });
      shelf.put('agent', agent);
    },
    async stop() {
      await agent?.stop();
    },
    health: () => {
      const notes = [...(agent ? [coverageNote(agent.vectors.coverage())] : []), ...(agent?.observer ? [] : ['observer off'])];
      return { state: 'running', ...(notes.length > 0 ? { message: notes.join('; ') } : {}) };
    },
  };
}
