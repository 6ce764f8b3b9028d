import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import type { Embeddings } from './embeddings-port.js';

/**
 * How an embedding travels inside an event: the model and dimension that made it, and the vector
 * as base64 of little-endian float32 (a quarter of the size of JSON numbers, exact on rebuild).
 */
export interface StoredEmbedding {
  readonly model: string;
  readonly dim: number;
  readonly vector: string;
}

export const StoredEmbeddingSchema = z
  .object({
    model: z.string().min(1),
    dim: z.number().int().min(1).max(65_536),
    vector: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
  })
  .refine((e) => Buffer.byteLength(e.vector, 'base64') === e.dim * 4, { message: 'vector length does not match dim', path: ['vector'] });

/** Scales to unit length. Throws SMOL_EMBEDDING_FAILED for a vector with a non-finite entry or no length. */
export function normalize(vector: readonly number[], model: string): number[] {
  let sum = 0;
  for (const x of vector) {
    if (!Number.isFinite(x)) throw new SmolError(ErrorCodes.EMBEDDING_FAILED, `${model} returned a non-finite value`);
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (vector.length === 0 || norm === 0) throw new SmolError(ErrorCodes.EMBEDDING_FAILED, `${model} returned a zero vector`);
  return vector.map((x) => x / norm);
}

/** Checks a model's raw vectors (one per text, same length, finite, non-zero) and normalizes them. */
export function checkEmbeddings(model: string, raw: unknown, expected: number): Embeddings {
  if (!Array.isArray(raw) || raw.length !== expected) {
    throw new SmolError(ErrorCodes.EMBEDDING_FAILED, `${model} returned ${Array.isArray(raw) ? raw.length : 'no'} vectors for ${expected} texts`);
  }
  const dim = Array.isArray(raw[0]) ? raw[0].length : 0;
  const vectors = raw.map((v: unknown) => {
    if (!Array.isArray(v) || v.length !== dim || v.some((x) => typeof x !== 'number')) {
      throw new SmolError(ErrorCodes.EMBEDDING_FAILED, `${model} returned vectors of different lengths or types`);
    }
    return normalize(v as number[], model);
  });
  return { model, dim, vectors };
}

// Typed arrays use the platform's byte order; the stored form is little-endian everywhere.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Packs a vector for an event. */
export function encodeEmbedding(model: string, vector: readonly number[]): StoredEmbedding {
  const buf = Buffer.alloc(vector.length * 4);
  if (LITTLE_ENDIAN) new Float32Array(buf.buffer, buf.byteOffset, vector.length).set(vector);
  else vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return { model, dim: vector.length, vector: buf.toString('base64') };
}

/** Unpacks a stored vector into a plain array (hnswlib-node takes arrays, not typed arrays). */
export function decodeEmbedding(e: StoredEmbedding): number[] {
  const buf = Buffer.from(e.vector, 'base64');
  if (LITTLE_ENDIAN) {
    // Copy into an aligned buffer: a base64 decode may start at any byte offset.
    const f = new Float32Array(e.dim);
    new Uint8Array(f.buffer).set(buf.subarray(0, e.dim * 4));
    return Array.from(f);
  }
  const out = new Array<number>(e.dim);
  for (let i = 0; i < e.dim; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** Dot product; for unit vectors, the cosine similarity. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}
