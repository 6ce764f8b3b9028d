/**
 * A projection's state as chunks, so a commit writes only the parts that changed.
 *
 * The state is walked once: a plain object whose JSON is larger than `splitBytes` is not stored
 * whole but as one chunk per entry (recursively); anything else is a leaf chunk. A chunk's key is
 * its path (JSON of the key array), its value `{"o":[…],"v":…}` where `o` are the entry's ordinals
 * along the path, so that loading restores every object's key order (queries list entries in
 * insertion order). Changes are found by comparing each chunk with a hash of what was committed.
 */

/** A chunk's stored string, by key. */
export type Chunks = Map<string, string>;

/** What is on disk: chunk key → hash of its stored string. */
export type ChunkHashes = Map<string, number>;

/** The writes that bring the stored chunks to a new state: key → string, or undefined to delete. */
export interface ChunkDiff {
  readonly writes: Map<string, string | undefined>;
  /** The hashes after the writes (becomes the committed set once they land). */
  readonly hashes: ChunkHashes;
  /** Bytes of the chunk strings written (keys excluded). */
  readonly bytes: number;
}

/** Objects below this size (JSON characters) are one chunk. */
export const DEFAULT_SPLIT_BYTES = 2048;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

interface Walked {
  readonly json: string;
  readonly split: boolean;
}

/** Splits `state` into chunks (see the file comment). */
export function splitState(state: unknown, splitBytes = DEFAULT_SPLIT_BYTES): Chunks {
  const out: Chunks = new Map();
  const leaf = (path: readonly string[], ords: readonly number[], json: string) =>
    out.set(JSON.stringify(path), `{"o":[${ords.join(',')}],"v":${json}}`);
  // Bottom-up, so each subtree is serialised once; a split object's small children become leaves.
  const walk = (value: unknown, path: string[], ords: number[]): Walked => {
    if (!isPlainObject(value)) return { json: JSON.stringify(value) ?? 'null', split: false };
    const parts: Array<{ key: string; w: Walked }> = [];
    let size = 2;
    let i = 0;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const v = value[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      const w = walk(v, [...path, key], [...ords, i++]);
      parts.push({ key, w });
      size += w.json.length + key.length + 4;
    }
    const json = `{${parts.map((p) => `${JSON.stringify(p.key)}:${p.w.json}`).join(',')}}`;
    // A child larger than splitBytes makes its parent larger still, so a leaf never holds a split child.
    if (size <= splitBytes || parts.length === 0) return { json, split: false };
    parts.forEach((p, n) => {
      if (!p.w.split) leaf([...path, p.key], [...ords, n], p.w.json);
    });
    return { json, split: true };
  };
  const root = walk(state, [], []);
  if (!root.split) leaf([], [], root.json);
  return out;
}

/** Rebuilds a state from its stored chunks; undefined when there are none. */
export function assembleState(chunks: Iterable<readonly [string, string]>): unknown {
  const parsed: Array<{ path: string[]; ords: number[]; v: unknown }> = [];
  for (const [key, raw] of chunks) {
    const { o, v } = JSON.parse(raw) as { o: number[]; v: unknown };
    parsed.push({ path: JSON.parse(key) as string[], ords: o, v });
  }
  if (parsed.length === 0) return undefined;
  const root = parsed.find((p) => p.path.length === 0);
  if (root) return root.v;
  // Insert in ordinal order, so every object gets its keys back in the order they were committed.
  parsed.sort((a, b) => compareOrds(a.ords, b.ords));
  const state: Record<string, unknown> = {};
  for (const { path, v } of parsed) {
    let at = state;
    for (let i = 0; i < path.length - 1; i++) at = (at[path[i]!] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = v;
  }
  return state;
}

function compareOrds(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A 53-bit string hash (cyrb53): equal strings hash equal; a change is missed with odds of 2⁻⁵³. */
export function hashChunk(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Hashes of chunks as read from disk. */
export function hashAll(chunks: Iterable<readonly [string, string]>): ChunkHashes {
  const out: ChunkHashes = new Map();
  for (const [key, raw] of chunks) out.set(key, hashChunk(raw));
  return out;
}

/** The writes that turn the committed chunks (`before`) into `state`'s. */
export function diffState(state: unknown, before: ChunkHashes, splitBytes = DEFAULT_SPLIT_BYTES): ChunkDiff {
  const now = splitState(state, splitBytes);
  const writes = new Map<string, string | undefined>();
  const hashes: ChunkHashes = new Map();
  let bytes = 0;
  for (const [key, raw] of now) {
    const h = hashChunk(raw);
    hashes.set(key, h);
    if (before.get(key) !== h) {
      writes.set(key, raw);
      bytes += raw.length;
    }
  }
  for (const key of before.keys()) if (!now.has(key)) writes.set(key, undefined);
  return { writes, hashes, bytes };
}
