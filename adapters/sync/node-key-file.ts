import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file.js';

/** `<dataDir>/node-key.json`: this node's public identity, readable while the journal is locked by a running node. */
export function nodeKeyPath(dataDir: string): string {
  return join(dataDir, 'node-key.json');
}

export async function readNodeKeyFile(dataDir: string): Promise<{ nodeId: string; publicKey: string } | undefined> {
  const raw = (await readJsonFile(nodeKeyPath(dataDir)).catch(() => undefined)) as { nodeId?: unknown; publicKey?: unknown } | undefined;
  return typeof raw?.nodeId === 'string' && typeof raw.publicKey === 'string' ? { nodeId: raw.nodeId, publicKey: raw.publicKey } : undefined;
}

/** Writes the key file when it is missing or stale. */
export async function writeNodeKeyFile(dataDir: string, nodeId: string, publicKey: string): Promise<void> {
  const current = await readNodeKeyFile(dataDir);
  if (current?.nodeId !== nodeId || current.publicKey !== publicKey) await writeJsonFile(nodeKeyPath(dataDir), { nodeId, publicKey });
}
