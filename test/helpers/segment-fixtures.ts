import { openMemoryJournal } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { VersionVector } from '../../core/journal/journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { planSegment, type ExportOptions } from '../../core/sync/segment-export.js';
import { importSegment, type ImportOptions, type ImportOutcome } from '../../core/sync/segment-import.js';
import { loadJournalIdentity, signerFor } from '../../adapters/sync/journal-identity.js';

export const CLUSTER = 'test-cluster';

/** A memory journal plus its signer. */
export interface TestNode {
  readonly journal: LevelJournal;
  readonly sign: ExportOptions['sign'];
}

export async function testNode(sealEvery = 1000): Promise<TestNode> {
  const journal = await openMemoryJournal({ sync: false, sealEvery });
  return { journal, sign: signerFor(await loadJournalIdentity(journal)) };
}

/** Appends `n` readings in batches of up to 1000 (the journal seals every sealEvery). */
export async function appendReadings(node: TestNode, n: number, start = 0): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const drafts = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) drafts.push({ type: 'reading.sampled', data: { values: { 'system.cpu_temp': 40 + ((start + j) % 17) / 10, 'system.load_1': ((start + j) % 5) / 4 } } });
    await node.journal.append(drafts);
  }
}

/** Seals, then exports what `theirs` lacks into one buffer. */
export async function exportFor(node: TestNode, theirs: VersionVector, options: Partial<ExportOptions> = {}): Promise<Buffer> {
  await node.journal.seal();
  const seg = await planSegment(node.journal, theirs, { cluster: CLUSTER, sign: node.sign, ...options });
  if (!seg) throw new Error('nothing to export');
  const chunks: Buffer[] = [];
  for await (const c of seg.stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Imports a buffer; trusts the nodes given (by id). */
export function importInto(node: TestNode, bytes: Buffer, trusted: readonly TestNode[], options: Partial<ImportOptions> = {}): Promise<ImportOutcome> {
  const ids = new Set(trusted.map((t) => t.journal.nodeId));
  return importSegment(node.journal, () => [bytes], { registry: createRegistry(), cluster: CLUSTER, isTrusted: (id) => ids.has(id), ...options });
}

/** Every body of the journal, by origin and seq, for byte-for-byte comparisons. */
export async function feedBytes(journal: LevelJournal, origin: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of journal.readOrigin(origin, 1)) out.push(e.body.toString('hex'));
  return out;
}
