import type { ColdManifest, ColdFileEntry } from './cold-manifest.js';
import { ColdFile, FrameCache } from './cold-file.js';

/** An event read from cold history: where it sits, whose it is, its exact body. */
export interface ColdEvent {
  readonly position: number;
  readonly origin: string;
  readonly seq: number;
  readonly body: Buffer;
}

/** Opened files kept (each holds its run table): replay walks files in order, so a few suffice. */
const OPEN_FILES = 4;

/**
 * Reads cold history for the journal's read paths: by position (replay, subscriptions, getAt) and
 * by origin (export, verify, get). Memory is bounded: a few opened files and decoded frames.
 * Every failure of a file is SMOL_COLD_FILE_CORRUPT naming it; nothing is skipped.
 */
export class ColdReader {
  private readonly cache = new FrameCache(4);
  private readonly opened = new Map<string, Promise<ColdFile>>();

  constructor(readonly manifest: ColdManifest) {
    manifest.onChange(() => {
      // A dropped file must not be served from a cache.
      const names = new Set(manifest.list().map((e) => e.name));
      for (const name of this.opened.keys()) if (!names.has(name)) this.opened.delete(name);
      this.cache.clear();
    });
  }

  /** The last position held cold (0: none). */
  get coldTo(): number {
    return this.manifest.coldTo;
  }

  /** The highest seq of `origin` held cold (0: none). */
  coldSeqTo(origin: string): number {
    let to = 0;
    for (const e of this.manifest.list()) for (const r of e.origins) if (r.origin === origin && r.toSeq > to) to = r.toSeq;
    return to;
  }

  /** Opens a file of the manifest (cached). Throws SMOL_COLD_FILE_CORRUPT. */
  file(entry: ColdFileEntry): Promise<ColdFile> {
    let f = this.opened.get(entry.name);
    if (!f) {
      f = this.manifest.index(entry.name).then((index) => ColdFile.open(this.manifest.store, entry, index, this.cache));
      f.catch(() => this.opened.delete(entry.name));
      this.opened.set(entry.name, f);
      while (this.opened.size > OPEN_FILES) this.opened.delete(this.opened.keys().next().value!);
    }
    return f;
  }

  /** Events at positions [from, to] that lie in cold files, in position order, in arrays of at most `size`. */
  async *positionBatches(from: number, to: number, size = 1024): AsyncGenerator<ColdEvent[]> {
    for (const entry of this.manifest.list()) {
      if (entry.toPosition < from) continue;
      if (entry.fromPosition > to) break;
      const file = await this.file(entry);
      const names = file.header.ranges.map((r) => r.origin);
      for await (const batch of file.positionBatches(from, to, size)) {
        yield batch.map((r) => ({ position: r.position, origin: names[r.rangeIndex]!, seq: r.seq, body: r.body }));
      }
    }
  }

  /** Events at positions [from, to] that lie in cold files, in position order. */
  async *positions(from: number, to: number): AsyncGenerator<ColdEvent> {
    for await (const batch of this.positionBatches(from, to)) yield* batch;
  }

  /** Events of `origin` with seq in [fromSeq, toSeq] held cold, in seq order. */
  async *origin(origin: string, fromSeq: number, toSeq: number, withPositions: boolean): AsyncGenerator<ColdEvent> {
    for (const entry of this.manifest.list()) {
      const range = entry.origins.find((r) => r.origin === origin);
      if (!range || range.toSeq < fromSeq || range.fromSeq > toSeq) continue;
      const file = await this.file(entry);
      const rangeIndex = file.rangeOf(origin);
      for await (const r of file.rangeRecords(rangeIndex, fromSeq, toSeq, withPositions)) yield { position: r.position, origin, seq: r.seq, body: r.body };
    }
  }

  /** The event at `position`, when it is cold. */
  async at(position: number): Promise<ColdEvent | undefined> {
    const entry = this.manifest.fileFor(position);
    if (!entry) return undefined;
    for await (const e of this.positions(position, position)) return e;
    return undefined;
  }

  /** The event (origin, seq), when it is cold. */
  async get(origin: string, seq: number): Promise<ColdEvent | undefined> {
    const found = this.manifest.fileForSeq(origin, seq);
    if (!found) return undefined;
    const file = await this.file(found.entry);
    for await (const r of file.rangeRecords(file.rangeOf(origin), seq, seq, false)) {
      return { position: file.positionOf(r.rangeIndex, seq), origin, seq, body: r.body };
    }
    return undefined;
  }
}
