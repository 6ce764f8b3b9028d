import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';
import { StoredEmbeddingSchema } from '../embeddings/vector-codec.js';

/** Schemas of the events the agent, its tools, the observer and memory write. */

const unit = z.number().min(0).max(1);
const ms = z.number().int().min(0);

/** Who made a tool call or asked a question: the channel, and the conversation when there is one. */
export const Caller = z.object({
  kind: z.enum(['agent', 'api', 'mqtt', 'cli', 'ui', 'observer']),
  /** For the agent: the channel its question came through (api, cli, mqtt, ui). */
  via: z.string().optional(),
  conversationId: z.string().optional(),
});

export const OBSERVATION_KINDS = ['trend', 'excursion', 'anomaly', 'state', 'pattern', 'summary'] as const;
export const MEMORY_KINDS = ['fact', 'preference', 'pattern', 'event', 'note'] as const;

/** v1: observations by the observer's model or its statistics. */
export const ObservationRecordedV1 = z.object({
  text: z.string().min(1).max(2000),
  kind: z.enum(OBSERVATION_KINDS),
  confidence: unit,
  /** Source ids the observation is about. */
  sources: z.array(z.string().min(1)),
  /** 'llm': written by a model; 'statistical': computed, because no model was reachable or it answered nonsense. */
  method: z.enum(['llm', 'statistical']),
  /** The chat model that wrote it (null for statistical ones). */
  model: z.string().nullable(),
  /** The readings it looked at (ms, UTC). */
  window: z.object({ fromMs: ms, toMs: ms }),
  embedding: StoredEmbeddingSchema,
});

/**
 * v2 adds 'vision-llm': a vision model's description of a camera frame, and `image`, the frame it
 * describes (a snapshot in the snapshot store, adapters/units/vision-describe.ts). A new version, so
 * a peer of an older build keeps these events as it keeps any newer version, instead of refusing
 * them; v1 data is v2 data as it is.
 */
export const ObservationRecorded = ObservationRecordedV1.extend({
  /** 'vision-llm': a vision model described a camera frame (`image` says which). */
  method: z.enum(['llm', 'statistical', 'vision-llm']),
  image: z
    .object({
      camera: z.string().min(1).max(40),
      /** sha256 hex of the described snapshot (it may since have left the store's budget). */
      snapshot: z.string().regex(/^[0-9a-f]{64}$/),
      /** The vision.detected object that prompted it, and its label. */
      objectId: z.string().min(1).max(80).optional(),
      label: z.string().min(1).max(80).optional(),
    })
    .optional(),
});

export const MemoryRemembered = z.object({
  text: z.string().min(1).max(2000),
  kind: z.enum(MEMORY_KINDS),
  confidence: unit,
  sources: z.array(z.string().min(1)),
  by: Caller,
  embedding: StoredEmbeddingSchema,
});
/** Someone remembered something we already knew: the memory (the id of its memory.remembered) gains a confirmation. */
export const MemoryConfirmed = z.object({
  memoryId: z.string().min(1),
  confidence: unit,
  similarity: z.number().min(-1).max(1),
  by: Caller,
});
export const MemoryForgotten = z.object({ memoryId: z.string().min(1), reason: z.string(), by: Caller });

export const ToolCalled = z.object({
  callId: z.string().min(1),
  tool: z.string().min(1),
  args: z.unknown(),
  caller: Caller,
});
export const ToolCompleted = z.object({
  callId: z.string().min(1),
  tool: z.string().min(1),
  ok: z.boolean(),
  /** The result when ok (large results are cut to a preview). */
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  durationMs: z.number().min(0),
});

export const AgentAsked = z.object({
  conversationId: z.string().min(1),
  question: z.string(),
  via: z.string(),
  model: z.string(),
});
export const AgentAnswered = z.object({
  conversationId: z.string().min(1),
  answer: z.string(),
  model: z.string(),
  iterations: z.number().int().min(0),
  toolCalls: z.number().int().min(0),
  usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }),
  durationMs: z.number().min(0),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const StorageWritten = z.object({ key: z.string().min(1).max(200), value: z.unknown(), by: Caller });
export const StorageDeleted = z.object({ key: z.string().min(1).max(200), by: Caller });

export const agentEventSpecs: EventTypeSpec[] = [
  { type: 'observation.recorded', v: 1, schema: ObservationRecordedV1, upcast: (data) => data },
  { type: 'observation.recorded', v: 2, schema: ObservationRecorded },
  { type: 'memory.remembered', v: 1, schema: MemoryRemembered },
  { type: 'memory.confirmed', v: 1, schema: MemoryConfirmed },
  { type: 'memory.forgotten', v: 1, schema: MemoryForgotten },
  { type: 'tool.called', v: 1, schema: ToolCalled },
  { type: 'tool.completed', v: 1, schema: ToolCompleted },
  { type: 'agent.asked', v: 1, schema: AgentAsked },
  { type: 'agent.answered', v: 1, schema: AgentAnswered },
  { type: 'storage.written', v: 1, schema: StorageWritten },
  { type: 'storage.deleted', v: 1, schema: StorageDeleted },
];

export type CallerInfo = z.infer<typeof Caller>;

declare module './core-events.js' {
  interface EventDataMap {
    'observation.recorded': z.infer<typeof ObservationRecorded>;
    'memory.remembered': z.infer<typeof MemoryRemembered>;
    'memory.confirmed': z.infer<typeof MemoryConfirmed>;
    'memory.forgotten': z.infer<typeof MemoryForgotten>;
    'tool.called': z.infer<typeof ToolCalled>;
    'tool.completed': z.infer<typeof ToolCompleted>;
    'agent.asked': z.infer<typeof AgentAsked>;
    'agent.answered': z.infer<typeof AgentAnswered>;
    'storage.written': z.infer<typeof StorageWritten>;
    'storage.deleted': z.infer<typeof StorageDeleted>;
  }
}
