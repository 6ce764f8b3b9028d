import type { Embedder, Embeddings } from './embeddings-port.js';
import { normalize } from './vector-codec.js';
import { assertEmbeddable } from './embeddable.js';

/** The offline embedder's model name: recorded in every event it embedded, never mistaken for a neural model. */
export const NGRAM_MODEL = 'smollama-ngram-v1';
export const NGRAM_DIM = 384;

/**
 * An offline, deterministic embedder for when no embedding model is reachable: feature hashing
 * of character 3- and 4-grams and whole words (FNV-1a, signed buckets), L2-normalized. Texts that
 * share words and word pieces get similar vectors; it knows nothing of synonyms. Never random.
 * Throws SMOL_EMBEDDING_INPUT_EMPTY for a text with no letters or digits.
 */
export class NgramEmbedder implements Embedder {
  readonly model = NGRAM_MODEL;
  constructor(readonly dim = NGRAM_DIM) {}

  async embed(texts: readonly string[]): Promise<Embeddings> {
    return { model: this.model, dim: this.dim, vectors: texts.map((t) => this.embedOne(t)) };
  }

  /** The vector of one text (synchronous; used by rebuild-free tests and the bench). */
  embedOne(text: string): number[] {
    assertEmbeddable([text], 'text');
    const words = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
    const v = new Array<number>(this.dim).fill(0);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const i = (h & 0x7fffffff) % this.dim;
      v[i]! += (h >>> 31 === 1 ? -1 : 1) * weight;
    };
    for (const w of words) {
      add(`w:${w}`, 2);
      const padded = ` ${w} `;
      for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) add(padded.slice(i, i + n), 1);
    }
    return normalize(v, NGRAM_MODEL);
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
