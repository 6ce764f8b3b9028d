import type { Test } from 'tap';
import { openMemoryJournal } from '../../core/journal/open-journal.js';
import type { Journal } from '../../core/journal/journal.js';
import type { EventDraft } from '../../core/events/event.js';
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import { loadJournalIdentity, signerFor } from '../../adapters/sync/journal-identity.js';
import { exportFor, importInto, type TestNode } from './segment-fixtures.js';

/** A small, fixed embedding: the fleet views never search by meaning. */
const EMBEDDING = encodeEmbedding('test-embed', [1, 0, 0, 0]);

/** What an edge journals besides its readings: the node, its sources, an observation and a memory. */
export interface EdgeStory {
  readonly name: string;
  readonly sources: ReadonlyArray<{ source: string; unit?: string; label: string; binary?: boolean }>;
  readonly observation?: { text: string; method: 'llm' | 'statistical' };
  readonly memory?: string;
}

/** An edge node's journal (its own identity and clock) with a story in it, closed at the test's end. */
export async function edgeJournal(t: Test, story: EdgeStory, now: () => number): Promise<TestNode> {
  const journal = await openMemoryJournal({ sync: false, sealEvery: 1000, clock: { now } });
  const node: TestNode = { journal, sign: signerFor(await loadJournalIdentity(journal)) };
  t.teardown(() => node.journal.close());
  const j = node.journal;
  const drafts: EventDraft[] = [
    { type: 'node.started', data: { name: story.name, role: 'alpaca', publicKey: j.publicKey, software: 'test' } },
    ...story.sources.map((s) => ({ type: 'source.registered', data: { source: s.source, provider: 'test', label: s.label, binary: s.binary ?? false, simulated: false, ...(s.unit ? { unit: s.unit } : {}) } })),
  ];
  await j.append(drafts);
  return node;
}

/** Appends one reading tick to an edge. */
export async function edgeReadings(edge: TestNode, values: Record<string, number>): Promise<void> {
  await edge.journal.appendOne('reading.sampled', { values });
}

/** The observation and memory of a story, as the observer and the memory tool journal them. */
export async function edgeNotes(journal: Journal, story: Pick<EdgeStory, 'observation' | 'memory' | 'sources'>, at: number): Promise<void> {
  const sources = story.sources.map((s) => s.source);
  if (story.observation) {
    const o = story.observation;
    await journal.appendOne('observation.recorded', { text: o.text, kind: 'trend', confidence: 0.8, sources, method: o.method, model: o.method === 'llm' ? 'qwen2.5:0.5b' : null, window: { fromMs: at - 3_600_000, toMs: at }, embedding: EMBEDDING });
  }
  if (story.memory) await journal.appendOne('memory.remembered', { text: story.memory, kind: 'fact', confidence: 0.7, sources, by: { kind: 'agent', via: 'ui' }, embedding: EMBEDDING });
}

/**
 * Brings what the hub lacks of an edge into the hub's journal the way a sync does: a signed
 * segment of the edge, verified and ingested by the same import the HTTP and USB sync use.
 */
export async function syncEdgeInto(hub: Journal, edge: TestNode): Promise<number> {
  const bytes = await exportFor(edge, hub.vector());
  const outcome = await importInto({ journal: hub as TestNode['journal'], sign: edge.sign }, bytes, [edge]);
  if (outcome.code) throw new Error(`import refused: ${outcome.code}`);
  return outcome.applied;
}
