import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { nodeIdFromPublicKey } from '../../core/identity/node-identity.js';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import { readJsonFileAs, writeJsonFile } from './json-file.js';

/** One trusted node. `source` says whether it came from `trust add` (file) or the config. */
export interface TrustedNode {
  readonly nodeId: string;
  readonly publicKey: string;
  readonly name: string | null;
  readonly addedAt: string | null;
  readonly source: 'file' | 'config';
}

const fileSchema = z.object({
  version: z.literal(1),
  keys: z.array(z.object({ publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/), name: z.string().nullable(), addedAt: z.string() })),
});
type TrustFile = z.infer<typeof fileSchema>;

/** Parses a public key as `trust show` prints it. Throws SMOL_CLI_USAGE for anything else. */
export function parsePublicKey(text: string): { publicKey: string; nodeId: string } {
  const key = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(key) || Buffer.from(key, 'base64url').length !== 32) {
    throw new SmolError(ErrorCodes.CLI_USAGE, `"${text}" is not a node public key (43 base64url characters, as \`smollama trust show\` prints)`);
  }
  return { publicKey: key, nodeId: nodeIdFromPublicKey(key) };
}

/**
 * The trust list: keys added with `smollama trust add` (kept in `<dataDir>/trust.json`) plus keys
 * from the config. A node id is derived from its key, so trusting a key trusts exactly one id.
 * A running node re-reads the file when it changes, so `trust add` takes effect without a restart.
 */
export class TrustStore {
  private fileKeys: TrustFile['keys'] = [];
  private byId = new Map<string, TrustedNode>();
  private mtimeMs = -1;
  private checkedAt = 0;

  private constructor(
    private readonly path: string,
    private readonly configKeys: ReadonlyArray<{ key: string; name?: string | undefined }>,
    private readonly now: () => number,
  ) {}

  /** Loads the trust list of a data directory. Throws SMOL_FILE_CORRUPT when trust.json is damaged (it is never replaced). */
  static async open(dataDir: string, configKeys: ReadonlyArray<{ key: string; name?: string | undefined }> = [], now: () => number = Date.now): Promise<TrustStore> {
    const store = new TrustStore(join(dataDir, 'trust.json'), configKeys, now);
    await store.reload();
    return store;
  }

  /** Re-reads trust.json if it changed (checked at most once a second). */
  async refresh(): Promise<void> {
    if (this.now() - this.checkedAt < 1000) return;
    this.checkedAt = this.now();
    const mtime = await stat(this.path).then((s) => s.mtimeMs, () => 0);
    if (mtime !== this.mtimeMs) await this.reload();
  }

  private async reload(): Promise<void> {
    const mtime = await stat(this.path).then((s) => s.mtimeMs, () => 0);
    this.fileKeys = (await readJsonFileAs(this.path, fileSchema, 'trust list'))?.keys ?? [];
    // Only after a good read: a damaged file keeps failing (and saying so) until it is fixed.
    this.mtimeMs = mtime;
    const byId = new Map<string, TrustedNode>();
    for (const k of this.configKeys) {
      const { publicKey, nodeId } = parsePublicKey(k.key);
      byId.set(nodeId, { nodeId, publicKey, name: k.name ?? null, addedAt: null, source: 'config' });
    }
    for (const k of this.fileKeys) {
      const nodeId = nodeIdFromPublicKey(k.publicKey);
      byId.set(nodeId, { nodeId, publicKey: k.publicKey, name: k.name ?? byId.get(nodeId)?.name ?? null, addedAt: k.addedAt, source: 'file' });
    }
    this.byId = byId;
  }

  isTrusted(nodeId: string): boolean {
    return this.byId.has(nodeId);
  }

  get(nodeId: string): TrustedNode | undefined {
    return this.byId.get(nodeId);
  }

  list(): TrustedNode[] {
    return [...this.byId.values()].sort((a, b) => (a.name ?? a.nodeId).localeCompare(b.name ?? b.nodeId));
  }

  /** A trusted node by name, id or key. */
  find(ref: string): TrustedNode | undefined {
    return this.byId.get(ref) ?? this.list().find((n) => n.name === ref || n.publicKey === ref);
  }

  /** Adds (or renames) a key. Returns the entry. Throws SMOL_CLI_USAGE for a malformed key or a name in use. */
  async add(keyText: string, name: string | undefined, selfNodeId: string): Promise<TrustedNode> {
    const { publicKey, nodeId } = parsePublicKey(keyText);
    if (nodeId === selfNodeId) throw new SmolError(ErrorCodes.CLI_USAGE, 'that is this node\'s own key; a node always trusts itself');
    if (name !== undefined) {
      const other = this.list().find((n) => n.name === name && n.nodeId !== nodeId);
      if (other) throw new SmolError(ErrorCodes.CLI_USAGE, `the name "${name}" is already used for ${other.nodeId}`);
    }
    const keys = this.fileKeys.filter((k) => k.publicKey !== publicKey);
    keys.push({ publicKey, name: name ?? this.byId.get(nodeId)?.name ?? null, addedAt: new Date(this.now()).toISOString() });
    await writeJsonFile(this.path, { version: 1, keys } satisfies TrustFile);
    await this.reload();
    return this.byId.get(nodeId)!;
  }

  /**
   * Removes a key added with `trust add` (by name, id or key). Returns false when it is not in
   * trust.json. Throws SMOL_CLI_USAGE for a key that comes from the config (remove it there).
   */
  async remove(ref: string): Promise<boolean> {
    const node = this.find(ref);
    if (!node) return false;
    const keys = this.fileKeys.filter((k) => k.publicKey !== node.publicKey);
    if (keys.length === this.fileKeys.length) {
      throw new SmolError(ErrorCodes.CLI_USAGE, `${node.name ?? node.nodeId} is trusted by the config (sync.trusted); remove it there`);
    }
    await writeJsonFile(this.path, { version: 1, keys } satisfies TrustFile);
    await this.reload();
    return !this.byId.has(node.nodeId) || this.byId.get(node.nodeId)?.source === 'config';
  }
}
