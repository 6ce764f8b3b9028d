import { z } from 'zod';
import { MEMORY_KINDS, OBSERVATION_KINDS } from '../events/agent-events.js';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';
import type { MemoryAccess, SensorAccess } from './ports.js';

const since = z.string().optional().describe('ISO time: only items from then on');
const until = z.string().optional().describe('ISO time: only items before then');

function time(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new SmolError(ErrorCodes.TOOL_ARGS_INVALID, `${what}: not an ISO time: "${s}"`);
  return t;
}

/** recall, cross_node_recall, remember, observe, forget. */
export function memoryTools(memory: MemoryAccess, sensors: Pick<SensorAccess, 'nodeId' | 'resolveNode'>) {
  const nodeOf = (n: string) => {
    const o = sensors.resolveNode(n);
    if (!o) throw new SmolError(ErrorCodes.NOT_FOUND, `no node "${n}"`);
    return o;
  };
  return [
    defineTool({
      name: 'recall',
      description: "Search this node's memories and observations by meaning and words.",
      parameters: z
        .object({
          query: z.string().min(1),
          type: z.enum(['observation', 'memory', 'any']).default('any'),
          kind: z.string().optional().describe('only this kind (fact, trend, anomaly, …)'),
          since, until,
          limit: z.number().int().min(1).max(20).default(5),
        })
        .strict(),
      async execute(a) {
        return {
          results: await memory.recall({
            query: a.query, limit: a.limit, origins: [sensors.nodeId],
            ...(a.type !== 'any' ? { types: [a.type] } : {}),
            ...(a.kind ? { kind: a.kind } : {}),
            ...(a.since ? { from: time(a.since, 'since') } : {}),
            ...(a.until ? { to: time(a.until, 'until') } : {}),
          }),
        };
      },
    }),
    defineTool({
      name: 'cross_node_recall',
      description: 'Search memories and observations of every node (or one node) by meaning and words.',
      parameters: z
        .object({
          query: z.string().min(1),
          node: z.string().optional().describe('node id or name (default: all nodes)'),
          type: z.enum(['observation', 'memory', 'any']).default('any'),
          since, until,
          limit: z.number().int().min(1).max(20).default(5),
        })
        .strict(),
      async execute(a) {
        return {
          results: await memory.recall({
            query: a.query, limit: a.limit,
            ...(a.node ? { origins: [nodeOf(a.node)] } : {}),
            ...(a.type !== 'any' ? { types: [a.type] } : {}),
            ...(a.since ? { from: time(a.since, 'since') } : {}),
            ...(a.until ? { to: time(a.until, 'until') } : {}),
          }),
        };
      },
    }),
    defineTool({
      name: 'remember',
      description: 'Remember a lasting fact. If a memory already says the same, it is confirmed instead.',
      parameters: z
        .object({
          text: z.string().trim().min(3).max(1000),
          kind: z.enum(MEMORY_KINDS).default('fact'),
          confidence: z.number().min(0).max(1).default(0.7),
          sources: z.array(z.string()).max(16).default([]),
        })
        .strict(),
      async execute(a, ctx) {
        return memory.remember(a, ctx.caller);
      },
    }),
    defineTool({
      name: 'observe',
      description: 'Record an observation about the sensors (what changed or is unusual).',
      parameters: z
        .object({
          text: z.string().trim().min(3).max(1000),
          kind: z.enum(OBSERVATION_KINDS).default('state'),
          confidence: z.number().min(0).max(1).default(0.7),
          sources: z.array(z.string()).max(16).default([]),
        })
        .strict(),
      async execute(a, ctx) {
        return memory.observe(a, ctx.caller);
      },
    }),
    defineTool({
      name: 'forget',
      description: 'Forget a memory by its id (from recall).',
      parameters: z.object({ memoryId: z.string().min(1), reason: z.string().max(300).default('') }).strict(),
      async execute(a, ctx) {
        await memory.forget(a.memoryId, a.reason, ctx.caller);
        return { forgotten: a.memoryId };
      },
    }),
  ];
}
