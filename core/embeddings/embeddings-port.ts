/**
 * The embeddings port. An embedding is always a real model output (or the clearly named offline
 * n-gram embedder's): a failure is SMOL_EMBEDDING_FAILED, never a zero or random vector.
 */

/** Vectors of one call: every vector has `dim` finite numbers and unit length. */
export interface Embeddings {
  readonly model: string;
  readonly dim: number;
  readonly vectors: number[][];
}

export interface Embedder {
  /** The model this embedder asks for (the result names the model that answered). */
  readonly model: string;
  /** Embeds each text. Throws SMOL_EMBEDDING_FAILED (and SMOL_LLM_UNREACHABLE when the server is down). */
  embed(texts: readonly string[]): Promise<Embeddings>;
}
