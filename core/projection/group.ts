import type { JournalEntry } from '../events/event.js';
import type { Journal, Subscription } from '../journal/journal.js';
import type { ProjectionRunner } from './runner.js';

export interface GroupOptions {
  /** Entries per journal window (default 512: few decoded events alive across a GC). */
  readonly batchSize?: number;
  /** Where catch-up progress goes (the node's logger child). */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** A progress line at most this often while catching up (default 5,000 ms). */
  readonly progressEveryMs?: number;
  readonly now?: () => number;
}

/**
 * Feeds several projection runners from ONE journal subscription: from the lowest checkpoint of
 * them all, each runner taking the entries after its own position. A cold start or a rebuild thus
 * reads the journal once, not once per projection. Memory stays bounded: the subscription reads a
 * window at a time and waits for any commit a window triggered (commitEvery) before the next.
 */
export class ProjectionGroup {
  private sub: Subscription | undefined;
  private startedAt = 0;
  private lastReport = 0;
  private target = 0;
  private from = 1;
  private reported = true;

  constructor(
    private readonly journal: Journal,
    readonly runners: readonly ProjectionRunner<any>[],
    private readonly options: GroupOptions = {},
  ) {}

  /** The lowest position of the runners: everything up to it is applied everywhere. */
  get position(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const r of this.runners) if (r.position < min) min = r.position;
    return Number.isFinite(min) ? min : this.journal.lastPosition();
  }

  /** Loads every checkpoint, then follows the journal from the lowest one. */
  async start(): Promise<void> {
    for (const r of this.runners) await r.load();
    const from = (this.from = this.position + 1);
    const types = new Set<string>();
    let all = false;
    for (const r of this.runners) {
      const h = r.projection.handles;
      if (h === '*') all = true;
      else for (const t of h) types.add(t);
    }
    const now = this.options.now ?? Date.now;
    this.startedAt = this.lastReport = now();
    this.target = this.journal.lastPosition();
    if (this.target >= from) {
      this.reported = false;
      const behind = this.runners.filter((r) => r.position < this.target).map((r) => `${r.projection.name}@${r.position}`);
      this.options.log?.('projections catching up', { from, to: this.target, behind });
    }
    this.sub = this.journal.subscribe(
      { fromPosition: from, ...(all ? {} : { types: [...types] }), batchSize: this.options.batchSize ?? 512, emptyBatches: true },
      (entries, scannedTo) => this.onBatch(entries, scannedTo),
    );
    this.sub.done.catch(() => undefined);
  }

  private onBatch(entries: JournalEntry[], scannedTo: number): Promise<void> | void {
    let commits: Array<Promise<void>> | undefined;
    for (const r of this.runners) {
      const c = r.feed(entries, scannedTo);
      if (c) (commits ??= []).push(c);
    }
    this.progress(scannedTo);
    if (commits) return Promise.all(commits).then(() => undefined);
  }

  private progress(scannedTo: number): void {
    if (this.reported || !this.options.log) return;
    const now = (this.options.now ?? Date.now)();
    if (scannedTo >= this.target) {
      this.reported = true;
      this.options.log('projections caught up', { position: scannedTo, ms: now - this.startedAt });
    } else if (now - this.lastReport >= (this.options.progressEveryMs ?? 5000)) {
      this.lastReport = now;
      const perS = Math.round(((scannedTo - this.from + 1) * 1000) / Math.max(1, now - this.startedAt));
      this.options.log('projections catching up', { position: scannedTo, to: this.target, percent: Math.floor((scannedTo * 100) / Math.max(1, this.target)), eventsPerS: perS });
    }
  }

  /** Resolves once every runner has applied everything up to `position` (default: the journal's last now). */
  async caughtUp(position = this.journal.lastPosition()): Promise<void> {
    await Promise.all(this.runners.map((r) => r.caughtUp(position)));
  }

  /** Stops the subscription and commits every runner (each tried; the first failure is thrown after). */
  async stop(): Promise<void> {
    this.sub?.close();
    await this.sub?.done.catch(() => undefined);
    this.sub = undefined;
    const outcomes = await Promise.allSettled(this.runners.map((r) => r.stop()));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
