import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { CallerInfo } from '../../core/events/agent-events.js';
import type { Embedder } from '../../core/embeddings/embeddings-port.js';
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import { assertEmbeddable } from '../../core/embeddings/embeddable.js';
import { fuse, queryWords, wordScore } from '../../core/agent/hybrid-rank.js';
import type { MemoryAccess, RecallHit, RecallQuery } from '../../core/tools/ports.js';
import { getMemory, listMemories, type Memory, type MemoriesState } from '../../projections/memories.js';
import { listObservations, observationKey, type ObservationRow } from '../../projections/observations.js';
import type { VectorsProjection } from '../vectors/vectors-projection.js';
import type { VectorMeta } from '../vectors/hnsw-index.js';
import { settled, type NodeViews } from './node-views.js';

export interface MemoryServiceDeps {
  readonly node: NodeViews;
  readonly vectors: VectorsProjection;
  /** Embeds new texts (a fallback embedder: the model server, else the offline one). */
  readonly embedder: Embedder;
  /** An embedder able to embed a query for the index of `model`, if any. */
  readonly queryEmbedder: (model: string) => Embedder | undefined;
  /** Cosine similarity at or above which `remember` confirms instead of adding. */
  readonly rememberThreshold: number;
  /** The chat model's name, recorded on observations the agent writes. */
  readonly chatModel: () => string;
  readonly now?: () => number;
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.!]+$/, '');

/**
 * Memories and observations for the tools: hybrid recall (HNSW per embedding model + word match,
 * fused by rank), remember with confirmation of near-duplicates, observe, forget.
 */
export class MemoryService implements MemoryAccess {
  constructor(private readonly deps: MemoryServiceDeps) {}

  private get self(): string {
    return this.deps.node.journal.nodeId;
  }

  async recall(q: RecallQuery): Promise<RecallHit[]> {
    // A query with no letter or digit matches nothing on either side: say so (SMOL_EMBEDDING_INPUT_EMPTY).
    assertEmbeddable([q.query], 'query');
    const { node, vectors } = this.deps;
    await vectors.caughtUp();
    const memories = await settled(node.runner<MemoriesState>('memories'));
    const observations = await settled(node.runner('observations'));
    const accept = (m: Pick<VectorMeta, 'type' | 'kind' | 'origin' | 'at'>) =>
      (!q.types || q.types.includes(m.type)) && (q.kind === undefined || m.kind === q.kind) && (!q.origins || q.origins.includes(m.origin))
      && (q.from === undefined || m.at >= q.from) && (q.to === undefined || m.at < q.to);
    const pool = q.limit * 4;

    // Vector side: every index whose model we can embed the query with.
    const lists: string[][] = [];
    const similarity = new Map<string, number>();
    const metas = new Map<string, VectorMeta>();
    for (const idx of vectors.store.list()) {
      const embedder = this.deps.queryEmbedder(idx.model);
      if (!embedder) continue;
      let vector: number[];
      try {
        const e = await embedder.embed([q.query]);
        if (e.model !== idx.model || e.dim !== idx.dim) continue;
        vector = e.vectors[0]!;
      } catch {
        continue; // that model is unreachable now; the other indexes and the text side still answer
      }
      const hits = vectors.search(idx.model, idx.dim, vector, pool, accept);
      lists.push(hits.map((h) => h.meta.id));
      for (const h of hits) {
        similarity.set(h.meta.id, Math.max(similarity.get(h.meta.id) ?? -1, h.score));
        metas.set(h.meta.id, h.meta);
      }
    }

    // Text side: word overlap over memories and recent observations.
    const words = queryWords(q.query);
    const byText: Array<{ id: string; score: number }> = [];
    const rows = new Map<string, ObservationRow>();
    if (!q.types || q.types.includes('memory')) {
      for (const m of listMemories(memories.state, { limit: Infinity })) {
        if (!accept({ type: 'memory', kind: m.kind, origin: m.origin, at: m.createdAt })) continue;
        const s = wordScore(words, m.text);
        if (s > 0) byText.push({ id: m.id, score: s + m.confidence * 0.01 });
      }
    }
    if (!q.types || q.types.includes('observation')) {
      const origin = q.origins?.length === 1 ? q.origins[0] : undefined;
      for (const o of await listObservations(observations.store, { ...(origin ? { origin } : {}), ...(q.kind ? { kind: q.kind } : {}), ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), limit: 5000 })) {
        if (!accept({ type: 'observation', kind: o.kind, origin: o.origin, at: o.at })) continue;
        const s = wordScore(words, o.text);
        if (s > 0) {
          byText.push({ id: o.id, score: s });
          rows.set(o.id, o);
        }
      }
    }
    lists.push(byText.sort((a, b) => b.score - a.score).slice(0, pool).map((x) => x.id));

    const fused = [...fuse(lists)].sort((a, b) => b[1] - a[1]);
    const out: RecallHit[] = [];
    for (const [id, score] of fused) {
      if (out.length >= q.limit) break;
      const sim = similarity.get(id);
      const m = getMemory(memories.state, id);
      if (m) {
        out.push(memoryHit(m, score, sim));
        continue;
      }
      let row = rows.get(id);
      const meta = metas.get(id);
      if (!row && meta?.type === 'observation') {
        const seq = Number(id.slice(id.lastIndexOf(':') + 1));
        row = (await observations.store.getRecord(observationKey(meta.at, meta.origin, seq))) as ObservationRow | undefined;
      }
      if (row) {
        out.push({ id, type: 'observation', text: row.text, kind: row.kind, origin: row.origin, at: new Date(row.at).toISOString(), score, confidence: row.confidence, method: row.method, ...(sim !== undefined ? { similarity: sim } : {}) });
      }
    }
    return out;
  }

  async remember(m: { text: string; kind: Memory['kind']; confidence: number; sources: string[] }, caller: CallerInfo): Promise<{ action: 'remembered' | 'confirmed'; memoryId: string; similarity?: number }> {
    assertEmbeddable([m.text], 'text');
    const { node, vectors } = this.deps;
    const memories = await settled(node.runner<MemoriesState>('memories'));
    const same = Object.values(memories.state.memories).find((x) => x.origin === this.self && norm(x.text) === norm(m.text));
    if (same) return this.confirm(same.id, m.confidence, 1, caller);
    const e = await this.deps.embedder.embed([m.text]);
    const vector = e.vectors[0]!;
    await vectors.caughtUp();
    const [near] = vectors.search(e.model, e.dim, vector, 1, (meta) => meta.type === 'memory' && meta.origin === this.self);
    if (near && near.score >= this.deps.rememberThreshold) return this.confirm(near.meta.id, m.confidence, near.score, caller);
    const [entry] = await node.journal.append([{
      type: 'memory.remembered',
      data: { text: m.text, kind: m.kind, confidence: m.confidence, sources: m.sources, by: caller, embedding: encodeEmbedding(e.model, vector) },
    }]);
    await Promise.all([memories.caughtUp(entry!.position), vectors.caughtUp(entry!.position)]);
    return { action: 'remembered' as const, memoryId: entry!.event.id };
  }

  private async confirm(memoryId: string, confidence: number, similarity: number, caller: CallerInfo) {
    const [entry] = await this.deps.node.journal.append([{ type: 'memory.confirmed', data: { memoryId, confidence, similarity: Math.min(1, similarity), by: caller } }]);
    await this.deps.node.runner('memories').caughtUp(entry!.position);
    return { action: 'confirmed' as const, memoryId, similarity: Math.min(1, similarity) };
  }

  async observe(o: { text: string; kind: ObservationRow['kind']; confidence: number; sources: string[] }, caller: CallerInfo) {
    void caller; // observations record their method and model; the tool call that made it records the caller
    assertEmbeddable([o.text], 'text');
    const e = await this.deps.embedder.embed([o.text]);
    const now = (this.deps.now ?? Date.now)();
    const [entry] = await this.deps.node.journal.append([{
      type: 'observation.recorded',
      data: { ...o, method: 'llm', model: this.deps.chatModel(), window: { fromMs: now, toMs: now }, embedding: encodeEmbedding(e.model, e.vectors[0]!) },
    }]);
    return { observationId: entry!.event.id };
  }

  async forget(memoryId: string, reason: string, caller: CallerInfo): Promise<void> {
    const memories = await settled(this.deps.node.runner<MemoriesState>('memories'));
    if (!getMemory(memories.state, memoryId)) throw new SmolError(ErrorCodes.NOT_FOUND, `no memory ${memoryId}`);
    const [entry] = await this.deps.node.journal.append([{ type: 'memory.forgotten', data: { memoryId, reason, by: caller } }]);
    await Promise.all([memories.caughtUp(entry!.position), this.deps.vectors.caughtUp(entry!.position)]);
  }
}

function memoryHit(m: Memory, score: number, sim: number | undefined): RecallHit {
  return {
    id: m.id, type: 'memory', text: m.text, kind: m.kind, origin: m.origin, at: new Date(m.createdAt).toISOString(), score,
    confidence: m.confidence, confirmations: m.confirmations, ...(sim !== undefined ? { similarity: sim } : {}),
  };
}
