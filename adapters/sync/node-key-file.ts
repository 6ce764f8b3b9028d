import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFileAs, writeJsonFile } from './json-file.js';

/** `<dataDir>/node-key.json`: this node's public identity, readable while the journal is locked by a running node. */
export function nodeKeyPath(dataDir: string): string {
  return join(dataDir, 'node-key.json');
}

const NodeKeyFile = z.object({ nodeId: z.string().regex(/^n[a-z2-7]{20}$/), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** The public identity file, or undefined when there is none. Throws SMOL_FILE_CORRUPT naming it when damaged. */
export async function readNodeKeyFile(dataDir: string): Promise<{ nodeId: string; publicKey: string } | undefined> {
  const file = await readJsonFileAs(nodeKeyPath(dataDir), NodeKeyFile, 'public key file');
  return file && { nodeId: file.nodeId, publicKey: file.publicKey };
}

/** Writes the key file when it is missing or stale. Throws SMOL_FILE_CORRUPT when the existing one is damaged. */
export async function writeNodeKeyFile(dataDir: string, nodeId: string, publicKey: string): Promise<void> {
  const current = await readNodeKeyFile(dataDir);
  if (current?.nodeId !== nodeId || current.publicKey !== publicKey) await writeJsonFile(nodeKeyPath(dataDir), { nodeId, publicKey });
}
