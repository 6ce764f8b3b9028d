import { hlcWall } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import type { CallerInfo } from '../core/events/agent-events.js';
import { defineProjection, exhaustive } from '../core/projection/define-projection.js';

/** A memory: what was remembered, how sure we are, how often it was confirmed. Its id is its memory.remembered event id. */
export interface Memory {
  id: string;
  origin: string;
  text: string;
  kind: EventDataMap['memory.remembered']['kind'];
  confidence: number;
  confirmations: number;
  sources: string[];
  by: CallerInfo;
  embeddingModel: string;
  createdAt: number;
  lastConfirmedAt: number | null;
}

/**
 * Memories are few (facts about a handful of nodes), and a confirmation changes one in place, so
 * they live in state; forgotten ones are removed and counted.
 */
export interface MemoriesState {
  memories: Record<string, Memory>;
  forgotten: number;
}

export interface MemoryQuery {
  origin?: string;
  kind?: string;
  /** Only memories containing all these words (case-insensitive). */
  text?: string;
  from?: number;
  to?: number;
  limit?: number;
}

/** Memories with confidence and confirmation counts; forget removes. */
export const memoriesProjection = defineProjection({
  name: 'memories',
  version: 1,
  handles: ['memory.remembered', 'memory.confirmed', 'memory.forgotten'],
  initial: (): MemoriesState => ({ memories: {}, forgotten: 0 }),
  evolve(state, event) {
    const at = hlcWall(event.hlc);
    switch (event.type) {
      case 'memory.remembered': {
        const d = event.data;
        state.memories[event.id] = {
          id: event.id, origin: event.origin, text: d.text, kind: d.kind, confidence: d.confidence, confirmations: 0,
          sources: d.sources, by: d.by, embeddingModel: d.embedding.model, createdAt: at, lastConfirmedAt: null,
        };
        return state;
      }
      case 'memory.confirmed': {
        const d = event.data;
        const m = Object.hasOwn(state.memories, d.memoryId) ? state.memories[d.memoryId] : undefined;
        if (!m) return state; // confirmed by a peer before we got the memory, or after it was forgotten
        m.confirmations += 1;
        // Each confirmation closes half of the remaining doubt the confirming source allows.
        m.confidence = 1 - (1 - m.confidence) * (1 - 0.5 * d.confidence);
        m.lastConfirmedAt = Math.max(m.lastConfirmedAt ?? 0, at);
        return state;
      }
      case 'memory.forgotten': {
        const d = event.data;
        if (Object.hasOwn(state.memories, d.memoryId)) {
          delete state.memories[d.memoryId];
          state.forgotten += 1;
        }
        return state;
      }
      default:
        return exhaustive(event, state);
    }
  },
});

/** Memories matching the query, most confident first, then newest. */
export function listMemories(state: MemoriesState, q: MemoryQuery = {}): Memory[] {
  const words = q.text ? q.text.toLowerCase().split(/\s+/).filter(Boolean) : [];
  return Object.values(state.memories)
    .filter((m) => (q.origin === undefined || m.origin === q.origin)
      && (q.kind === undefined || m.kind === q.kind)
      && (q.from === undefined || m.createdAt >= q.from)
      && (q.to === undefined || m.createdAt < q.to)
      && words.every((w) => m.text.toLowerCase().includes(w)))
    .sort((a, b) => b.confidence - a.confidence || b.createdAt - a.createdAt)
    .slice(0, q.limit ?? 50);
}

export function getMemory(state: MemoriesState, id: string): Memory | undefined {
  return Object.hasOwn(state.memories, id) ? state.memories[id] : undefined;
}
