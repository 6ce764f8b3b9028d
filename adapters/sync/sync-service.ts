import { rm, mkdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { EventRegistry } from '../../core/events/registry.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { VersionVector } from '../../core/journal/journal.js';
import { ErrorCodes, isSmolError } from '../../core/errors.js';
import { importSegment, type ImportOutcome, type SegmentConflict, type SegmentSource } from '../../core/sync/segment-import.js';
import type { SyncConflictDetectedData } from '../../core/events/sync-events.js';
import { hlcWall } from '../../core/clock/hlc.js';
import { planSegment, type PlannedSegment } from '../../core/sync/segment-export.js';
import { mergeVectors } from '../../core/sync/vector.js';
import type { Signer } from '../../core/sync/segment-writer.js';
import { TrustStore } from './trust-store.js';
import { PeerState } from './peer-state.js';
import { fileSource, isDirectory, keepPending, listSegmentFiles, segmentFileName, writeSegmentFile } from './segment-files.js';
import { loadJournalIdentity, signerFor } from './journal-identity.js';
import { writeNodeKeyFile } from './node-key-file.js';
import type { ImportReport, SyncPort } from '../../core/sync/sync-port.js';

export type SyncConfig = Config['sync'];

interface PeerConflicts {
  readonly eventIds: Set<string>;
  last: (SyncConflictDetectedData & { at: number }) | null;
}

/** How a segment reached us (for the conflict journal). */
export type SyncTransport = 'http' | 'usb';

/** Conflicts journaled per delivering peer at most: past that a hostile peer only gets refused. */
export const MAX_CONFLICTS_JOURNALED_PER_PEER = 64;

/** What happened to one segment (the type lives with the port in core, for journal-tools). */
export type { ImportReport } from '../../core/sync/sync-port.js';

/** Layout of sync's part of the data directory. */
export function syncPaths(dataDir: string) {
  return { pending: join(dataDir, 'sync', 'pending'), rejected: join(dataDir, 'sync', 'rejected') };
}

/**
 * A node's side of segment exchange: imports (serialised, with held segments kept in the pending
 * area and retried whenever something new arrives), exports cut for a peer's vector, the trust list
 * and what each peer is known to hold. Shared by the CLI (USB) and the HTTP routes and client.
 */
export class SyncService implements SyncPort {
  private queue: Promise<unknown> = Promise.resolve();
  private lastSyncSeal = -Infinity;
  private readonly now: () => number = Date.now;
  /** Conflicts journaled, by delivering peer (read from the journal when first needed). */
  private conflictsJournaled: Map<string, PeerConflicts> | undefined;

  private constructor(
    readonly journal: LevelJournal,
    readonly config: SyncConfig,
    readonly trust: TrustStore,
    readonly peers: PeerState,
    readonly sign: Signer,
    private readonly registry: EventRegistry,
    /** The node's data directory (the sync routes keep their nonce log in it). */
    readonly dataDir: string,
  ) {}

  static async open(journal: LevelJournal, dataDir: string, config: SyncConfig, registry: EventRegistry): Promise<SyncService> {
    const trust = await TrustStore.open(dataDir, config.trusted);
    const peers = await PeerState.open(dataDir);
    const sign = signerFor(await loadJournalIdentity(journal));
    await writeNodeKeyFile(dataDir, journal.nodeId, journal.publicKey);
    return new SyncService(journal, config, trust, peers, sign, registry, dataDir);
  }

  /** One import at a time: each plans against the heads the previous one left. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Imports a segment file, or every segment file of a directory, then retries held segments.
   * `onProgress` hears the bytes read of the files' total size.
   */
  async importPath(path: string, onProgress?: (done: number, total: number) => void, via: SyncTransport = 'usb'): Promise<ImportReport[]> {
    if (!(await stat(path).then(() => true, () => false))) {
      return [{ source: path, status: 'failed', code: ErrorCodes.NOT_FOUND, message: 'no such file or directory', applied: 0, substantive: 0, exporter: undefined, bytes: 0 }];
    }
    const files = (await isDirectory(path)) ? await listSegmentFiles(path) : [path];
    const sizes = onProgress ? await Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0))) : [];
    const total = sizes.reduce((a, b) => a + b, 0);
    let before = 0;
    const reports: ImportReport[] = [];
    for (const [i, file] of files.entries()) {
      const size = sizes[i] ?? 0;
      const source = onProgress ? countingSource(fileSource(file), (n) => onProgress(before + Math.min(n, size), total)) : fileSource(file);
      reports.push(await this.importOne(file, source, { path: file }, via));
      before += size;
      onProgress?.(before, total);
    }
    if (reports.some((r) => r.applied > 0)) reports.push(...(await this.retryPending(via)));
    return reports;
  }

  /** Imports a segment held in memory (an HTTP body: push, or a pull's answer), then retries held segments. */
  async importBytes(bytes: Buffer, label: string, via: SyncTransport = 'http'): Promise<ImportReport[]> {
    const reports = [await this.importOne(label, () => [bytes], { bytes }, via)];
    if (reports[0]!.applied > 0) reports.push(...(await this.retryPending(via)));
    return reports;
  }

  /** Imports a segment file received over HTTP (streamed to disk, never held whole), then retries held segments. */
  async importFile(path: string, label: string): Promise<ImportReport[]> {
    const reports = [await this.importOne(label, fileSource(path), { path }, 'http')];
    if (reports[0]!.applied > 0) reports.push(...(await this.retryPending('http')));
    return reports;
  }

  private importOne(label: string, source: SegmentSource, keep: { path: string } | { bytes: Buffer }, via: SyncTransport): Promise<ImportReport> {
    return this.serial(async () => {
      await this.trust.refresh();
      let outcome: ImportOutcome;
      try {
        outcome = await importSegment(this.journal, source, {
          registry: this.registry,
          cluster: this.config.cluster,
          isTrusted: (id) => this.trust.isTrusted(id),
          trustedOriginsOnly: this.config.trustedOriginsOnly,
        });
      } catch (err) {
        if (!isSmolError(err)) throw err;
        if (isSmolError(err, ErrorCodes.SEGMENT_CONFLICT) && err.details?.['exporter']) await this.journalConflict(err.details as unknown as SegmentConflict, via);
        return { source: label, status: 'failed', code: err.code, message: err.message, applied: 0, substantive: 0, exporter: undefined, bytes: 0 };
      }
      const { header } = outcome;
      if (header.exporter !== this.journal.nodeId) {
        await this.peers.update(header.exporter, (p) => ({ ...p, known: mergeVectors(p.known, header.basis), lastImportAt: new Date().toISOString() }));
      }
      if (outcome.held.length > 0 && outcome.digest) {
        const kept = await keepPending(syncPaths(this.dataDir).pending, segmentFileName(header, outcome.digest), keep);
        if ('path' in keep && keep.path === kept) return report(label, outcome, 'held');
      }
      return report(label, outcome, outcome.held.length ? 'held' : outcome.code === ErrorCodes.SEGMENT_REPLAYED ? 'replayed' : 'applied');
    });
  }

  /**
   * Retries every held segment until none makes progress; removes those fully applied, and moves
   * ones that now fail (e.g. their origin was untrusted since) to sync/rejected.
   */
  async retryPending(via: SyncTransport = 'usb'): Promise<ImportReport[]> {
    const { pending, rejected } = syncPaths(this.dataDir);
    const reports: ImportReport[] = [];
    for (let progress = true; progress; ) {
      progress = false;
      const files = await listSegmentFiles(pending).catch(() => [] as string[]);
      for (const file of files) {
        // A held segment came by USB or HTTP; which is not kept, so a conflict found now is
        // journaled with the transport of the import that triggered the retry.
        const r = await this.importOne(file, fileSource(file), { path: file }, via);
        if (r.applied > 0) progress = true;
        if (r.status === 'held' && r.applied === 0) continue;
        reports.push(r);
        if (r.status === 'failed') {
          await mkdir(rejected, { recursive: true });
          await rename(file, join(rejected, basename(file)));
        } else if (r.status !== 'held') {
          await rm(file, { force: true });
        }
      }
    }
    return reports;
  }

  /**
   * Journals `sync.conflict.detected` once per (delivering peer, event id), and at most
   * MAX_CONFLICTS_JOURNALED_PER_PEER per peer, so a hostile peer cannot flood the journal. What was
   * journaled before (by this or an earlier process) is read back once, at the first conflict.
   */
  private async journalConflict(c: SegmentConflict, via: SyncTransport): Promise<void> {
    const byPeer = await this.loadConflicts();
    const peer = byPeer.get(c.exporter) ?? { eventIds: new Set<string>(), last: null };
    if (peer.eventIds.has(c.eventId) || peer.eventIds.size >= MAX_CONFLICTS_JOURNALED_PER_PEER) return;
    const data: SyncConflictDetectedData = {
      peer: c.exporter,
      peerName: this.trust.get(c.exporter)?.name ?? null,
      via,
      eventId: c.eventId,
      origin: c.origin,
      seq: c.seq,
      ours: c.ours,
      theirs: c.theirs,
    };
    // Best effort: the segment is refused either way, and a report that could not be written
    // (e.g. disk full) is tried again at the next delivery of the same forgery.
    try {
      await this.journal.appendOne('sync.conflict.detected', data);
    } catch {
      return;
    }
    peer.eventIds.add(c.eventId);
    peer.last = { ...data, at: this.now() };
    byPeer.set(c.exporter, peer);
  }

  private async loadConflicts(): Promise<Map<string, PeerConflicts>> {
    if (!this.conflictsJournaled) {
      const byPeer = new Map<string, PeerConflicts>();
      for await (const e of this.journal.read({ types: ['sync.conflict.detected'], origins: [this.journal.nodeId] })) {
        if (e.event.v !== 1) continue;
        const d = e.event.data as SyncConflictDetectedData;
        const peer = byPeer.get(d.peer) ?? { eventIds: new Set<string>(), last: null };
        peer.eventIds.add(d.eventId);
        peer.last = { ...d, at: hlcWall(e.event.hlc) };
        byPeer.set(d.peer, peer);
      }
      this.conflictsJournaled = byPeer;
    }
    return this.conflictsJournaled;
  }

  /**
   * For /sync/status: per delivering peer, how many conflicts (forged or forked events) this node
   * journaled and the last one. Reads this node's own conflict events once per process.
   */
  async conflicts(): Promise<Array<{ peer: string; count: number; last: (SyncConflictDetectedData & { at: number }) | null }>> {
    const byPeer = await this.loadConflicts();
    return [...byPeer].map(([peer, c]) => ({ peer, count: c.eventIds.size, last: c.last && { ...c.last } }));
  }

  /**
   * For /sync/status: every other origin's head with when we received it (our clock) and, while
   * its clock runs more than clock.maxOffsetMs ahead of ours, by how much (else null).
   */
  originStatus(): Array<{ origin: string; seq: number; hlc: string; receivedAt: number | null; aheadMs: number | null }> {
    const out = [];
    for (const [origin, h] of this.journal.heads()) {
      if (origin === this.journal.nodeId) continue;
      out.push({ origin, seq: h.seq, hlc: h.hlc, receivedAt: h.receivedAt ?? null, aheadMs: h.aheadMs ?? null });
    }
    return out.sort((a, b) => (a.origin < b.origin ? -1 : 1));
  }

  /** Held segments waiting for a gap to fill. */
  async pendingFiles(): Promise<string[]> {
    return listSegmentFiles(syncPaths(this.dataDir).pending).catch(() => []);
  }

  /**
   * Plans a segment of what `theirs` lacks (undefined when nothing). Our own newest events travel
   * only once sealed, so this seals our feed first — over HTTP at most every sync.sealMinIntervalMs,
   * or frequent rounds would fill the journal with seals; `sealNow` (USB export) always does.
   */
  async planFor(theirs: VersionVector, options: { maxEvents?: number; recordFor?: boolean; sealNow?: boolean; acceptsBases?: boolean } = {}): Promise<PlannedSegment | undefined> {
    const now = this.now();
    if (options.sealNow || now - this.lastSyncSeal >= this.config.sealMinIntervalMs) {
      if (await this.journal.seal()) this.lastSyncSeal = now;
    }
    return planSegment(this.journal, theirs, {
      cluster: this.config.cluster,
      sign: this.sign,
      compression: this.config.compression,
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
      ...(options.recordFor ? { recordFor: true } : {}),
      ...(options.acceptsBases !== undefined ? { acceptsBases: options.acceptsBases } : {}),
    });
  }

  /**
   * Writes a segment of what `theirs` lacks to `out` (a file, or a directory to put it in under a
   * generated name). Remembers what was sent to `peer`. Returns undefined when there is nothing to send.
   */
  async exportTo(theirs: VersionVector, out: string, peer?: string, onProgress?: (done: number, total: undefined) => void): Promise<{ path: string; events: number; bytes: number; leftOut: number } | undefined> {
    const planned = await this.planFor(theirs, { recordFor: true, sealNow: true });
    if (!planned) return undefined;
    const intoDir = await isDirectory(out);
    const tmpPath = intoDir ? join(out, `export-${process.pid}-${Date.now()}.tmp`) : out;
    let digest: Buffer | undefined;
    const bytes = await writeSegmentFile(tmpPath, tapDigest(planned.stream, (d) => (digest = d), onProgress));
    let path = tmpPath;
    if (intoDir && digest) {
      path = join(out, segmentFileName(planned.header, digest));
      await rename(tmpPath, path);
    }
    if (peer) {
      await this.peers.update(peer, (p) => ({
        ...p,
        sent: mergeVectors(p.sent, Object.fromEntries(planned.header.ranges.map((r) => [r.origin, r.to]))),
        lastExportAt: new Date().toISOString(),
      }));
    }
    return { path, events: planned.header.count, bytes, leftOut: planned.leftOut };
  }
}

/** Passes a segment stream through and hands over its checksum (the trailer's first 32 bytes), and the bytes so far. */
async function* tapDigest(stream: AsyncIterable<Buffer>, onDigest: (d: Buffer) => void, onBytes?: (done: number, total: undefined) => void): AsyncGenerator<Buffer> {
  let last: Buffer | undefined;
  let bytes = 0;
  for await (const chunk of stream) {
    last = chunk;
    bytes += chunk.length;
    onBytes?.(bytes, undefined);
    yield chunk;
  }
  // The writer's last chunk is `u32 0 | digest | signature | end marker`.
  if (last && last.length >= 4 + 32) onDigest(last.subarray(4, 36));
}

/** A segment source that tells how many bytes each read of it has reached (a conflict reads it twice). */
function countingSource(source: SegmentSource, onBytes: (n: number) => void): SegmentSource {
  return async function* () {
    let n = 0;
    for await (const chunk of source()) {
      n += chunk.length;
      onBytes(n);
      yield chunk;
    }
  };
}

function report(source: string, o: ImportOutcome, status: ImportReport['status']): ImportReport {
  return { source, status, code: o.code, message: o.message, applied: o.applied, substantive: o.substantive, exporter: o.header.exporter, bytes: o.bytes, ...(o.dropped.length ? { dropped: o.dropped } : {}) };
}
