import { nextDelay } from '../../core/sync/backoff.js';
import type {} from '../../core/events/sync-events.js'; // brings sync.completed / sync.failed into EventDataMap
import { isSmolError } from '../../core/errors.js';
import type { SyncService } from './sync-service.js';
import type { PeerTarget, RoundResult, SyncClient } from './http-client.js';

/** What the loop knows about one peer right now. */
export interface PeerStatus {
  readonly name: string;
  readonly url: string;
  peer: string | null;
  lastOkAt: number | null;
  lastResult: RoundResult | null;
  failures: number;
  lastError: { code: string; message: string; at: number } | null;
  nextAt: number | null;
}

export interface PeerLoopOptions {
  readonly intervalMs: number;
  readonly maxBackoffMs: number;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Waits `ms` or until aborted (injected so tests can drive the loop). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log?: (message: string) => void;
  /** Called after each successful round (tests, status). */
  readonly onRound?: (name: string, result: RoundResult) => void;
}

function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * One background loop per configured peer: sync, wait the interval (with jitter), repeat; after a
 * failure wait exponentially longer (capped, with jitter). Journals `sync.completed` when a round
 * moved events other than seals and sync bookkeeping (so two idle nodes do not write forever about
 * writing), and `sync.failed` when a peer starts failing or fails differently.
 */
export class PeerLoop {
  readonly status = new Map<string, PeerStatus>();
  private readonly abort = new AbortController();
  private readonly wakers = new Map<string, AbortController>();
  private running: Promise<void>[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private afterRound: ((target: PeerTarget, result: RoundResult, signal: AbortSignal) => Promise<unknown>) | undefined;

  constructor(private readonly service: SyncService, private readonly client: SyncClient, private readonly peers: readonly PeerTarget[], private readonly options: PeerLoopOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    for (const p of peers) this.status.set(p.name, { name: p.name, url: p.url, peer: null, lastOkAt: null, lastResult: null, failures: 0, lastError: null, nextAt: null });
  }

  /**
   * Work to do with a peer after each successful round (sending snapshot files), before the wait:
   * its failure is its own to log and never counts as a failed round. Set before start().
   */
  afterEachRound(work: (target: PeerTarget, result: RoundResult, signal: AbortSignal) => Promise<unknown>): void {
    this.afterRound = work;
  }

  start(): void {
    this.running = this.peers.map((p) => this.run(p));
  }

  /** Starts a round with `name` (or every peer) now instead of at its next turn. */
  syncNow(name?: string): void {
    for (const [n, w] of this.wakers) if (name === undefined || n === name) w.abort();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const w of this.wakers.values()) w.abort();
    await Promise.all(this.running);
    this.client.close();
  }

  private async run(target: PeerTarget): Promise<void> {
    const st = this.status.get(target.name)!;
    while (!this.abort.signal.aborted) {
      try {
        const result = await this.client.syncWith(target);
        st.peer = result.peer || st.peer;
        st.lastOkAt = this.now();
        st.lastResult = result;
        if (st.failures > 0) this.options.log?.(`sync with ${target.name} works again`);
        st.failures = 0;
        st.lastError = null;
        this.options.onRound?.(target.name, result);
        for (const d of result.dropped ?? []) {
          this.options.log?.(`sync with ${target.name}: ${d.origin} ${d.from}..${d.to} was dropped by retention there (SMOL_JOURNAL_RANGE_DROPPED); this node's copy of the feed now starts at its basis ${d.origin}:${d.to}`);
        }
        if (result.substantive > 0 && !this.abort.signal.aborted) await this.journalCompleted(target, result);
        if (this.afterRound && !this.abort.signal.aborted) await this.afterRound(target, result, this.abort.signal).catch((err: unknown) => this.options.log?.(`after the sync round with ${target.name}: ${(err as Error)?.message ?? String(err)}`));
      } catch (err) {
        const code = isSmolError(err) ? err.code : 'SMOL_SYNC_PEER_FAILED';
        const message = err instanceof Error ? err.message : String(err);
        const changed = st.lastError?.code !== code;
        st.failures++;
        st.lastError = { code, message, at: this.now() };
        if (changed) {
          this.options.log?.(`sync with ${target.name} failed: ${code}: ${message}`);
          if (!this.abort.signal.aborted) await this.journalFailed(target, st);
        }
      }
      if (this.abort.signal.aborted) break;
      const delay = nextDelay(this.options, st.failures, this.random());
      st.nextAt = this.now() + delay;
      const waker = new AbortController();
      this.wakers.set(target.name, waker);
      await this.sleep(delay, AbortSignal.any([this.abort.signal, waker.signal]));
      this.wakers.delete(target.name);
    }
  }

  private async journalCompleted(target: PeerTarget, r: RoundResult): Promise<void> {
    await this.service.journal
      .appendOne('sync.completed', {
        peer: r.peer,
        peerName: target.name,
        via: 'http',
        sent: r.sent,
        received: r.received,
        bytesSent: r.bytesSent,
        bytesReceived: r.bytesReceived,
        peerVector: r.peerVector,
        durationMs: r.durationMs,
        clockOffsetMs: r.clockOffsetMs,
      })
      .catch(() => undefined);
  }

  private async journalFailed(target: PeerTarget, st: PeerStatus): Promise<void> {
    await this.service.journal
      .appendOne('sync.failed', { peer: st.peer ?? this.service.trust.find(target.name)?.nodeId ?? null, peerName: target.name, via: 'http', code: st.lastError!.code, message: st.lastError!.message.slice(0, 500), attempts: st.failures })
      .catch(() => undefined);
  }
}
