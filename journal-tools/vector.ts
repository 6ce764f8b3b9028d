import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Journal, VersionVector } from '../core/journal/journal.js';
import { isNodeId } from '../core/identity/node-identity.js';
import { SmolError, ErrorCodes } from '../core/errors.js';

/** A version vector as written to a stick: who holds it, of which cluster, and what it holds. */
export interface VectorDocument {
  readonly format: 'smollama-vector';
  readonly version: 1;
  readonly node: string;
  readonly publicKey: string;
  readonly cluster: string;
  readonly created: string;
  readonly vector: VersionVector;
}

const vectorDocumentSchema = z
  .object({
    format: z.literal('smollama-vector'),
    version: z.literal(1),
    node: z.string().refine(isNodeId, 'not a node id'),
    publicKey: z.string(),
    cluster: z.string().min(1),
    created: z.string(),
    vector: z.record(z.string().refine(isNodeId, 'not a node id'), z.number().int().min(0)),
  })
  .strict();

/** This node's vector document. */
export function vectorDocument(journal: Journal, cluster: string, now: () => number = Date.now): VectorDocument {
  return { format: 'smollama-vector', version: 1, node: journal.nodeId, publicKey: journal.publicKey, cluster, created: new Date(now()).toISOString(), vector: journal.vector() };
}

/** The file name `journal vector --out DIR` uses. */
export function vectorFileName(nodeId: string): string {
  return `vector-${nodeId}.json`;
}

/** Reads a vector file written by `journal vector`. Throws SMOL_CLI_USAGE naming what is wrong. */
export async function readVectorFile(path: string): Promise<VectorDocument> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new SmolError(ErrorCodes.CLI_USAGE, `cannot read the vector file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = vectorDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SmolError(ErrorCodes.CLI_USAGE, `${path} is not a vector file from \`smollama journal vector\` (${issue?.path.join('.') || 'root'}: ${issue?.message})`);
  }
  return parsed.data;
}
