import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import type { PeerTarget, SyncClient } from '../../sync/http-client.js';
import { MAX_HAVE_HASHES, MAX_SYNCED_SNAPSHOT_BYTES } from '../../http/routes/sync-snapshots.js';
import type { SnapshotStore } from './snapshot-store.js';

export interface SnapshotSenderOptions {
  readonly store: SnapshotStore;
  readonly client: Pick<SyncClient, 'call'>;
  /** This node's own snapshots (those its vision.detected events reference), newest first. */
  readonly hashes: () => readonly string[];
  /** True while bulk work should wait (memory pressure high or critical). */
  readonly paused?: () => boolean;
  /** Most files sent to one peer in a round (default 20). */
  readonly maxFiles?: number;
  /** Most bytes sent to one peer in a round (default 8 MiB; one file is sent even if larger). */
  readonly maxBytes?: number;
  readonly log?: (fields: Record<string, unknown>, message: string) => void;
}

/** What one round sent to a peer. */
export interface SnapshotRound {
  readonly sent: number;
  readonly bytes: number;
  /** Snapshots the peer still lacks after the round (sent next round). */
  readonly left: number;
  /** The code of the failure that ended the round early, if one did. */
  readonly failed?: string;
}

/** Refusals that sending the same bytes again would get again: not retried until a restart. */
const FINAL = new Set<string>([ErrorCodes.BAD_REQUEST, ErrorCodes.FRAME_INVALID, ErrorCodes.BODY_TOO_LARGE]);

/**
 * Sends a peer the snapshot files of this node's own detections that it lacks (vision.snapshots.sync),
 * after each successful sync round: newest first, at most `maxFiles` and `maxBytes` a round. It
 * asks the peer which it lacks (POST /sync/snapshots/have) only for hashes it has not learnt the
 * peer holds, so an idle round costs no request. Files are read through the store (checked
 * against their hash). A failure ends the round (logged with its code, retried next round) and
 * never fails the event sync that came before it.
 */
export class SnapshotSender {
  /** Per peer URL: hashes it is known to hold, kept to those we still offer. */
  private readonly held = new Map<string, Set<string>>();
  private readonly refused = new Set<string>();

  constructor(private readonly o: SnapshotSenderOptions) {}

  async sendTo(target: PeerTarget, signal?: AbortSignal): Promise<SnapshotRound> {
    const { store } = this.o;
    if (this.o.paused?.()) return { sent: 0, bytes: 0, left: 0 };
    const offered = this.o.hashes().filter((h) => store.has(h) && !this.refused.has(h)).slice(0, MAX_HAVE_HASHES);
    const known = this.held.get(target.url) ?? new Set<string>();
    this.held.set(target.url, new Set(offered.filter((h) => known.has(h))));
    const held = this.held.get(target.url)!;
    const ask = offered.filter((h) => !held.has(h));
    if (ask.length === 0) return { sent: 0, bytes: 0, left: 0 };
    let missing: string[];
    try {
      const res = await this.o.client.call(target, '/sync/snapshots/have', Buffer.from(JSON.stringify({ hashes: ask })), 'application/json');
      missing = (JSON.parse(res.body.toString('utf8')) as { missing?: unknown }).missing as string[];
      if (!Array.isArray(missing)) throw new TypeError('no missing list');
    } catch (err) {
      return this.failed(target, undefined, err, 0, 0, ask.length);
    }
    const lacking = new Set(missing);
    for (const h of ask) if (!lacking.has(h)) held.add(h);
    const maxFiles = this.o.maxFiles ?? 20;
    const maxBytes = this.o.maxBytes ?? 8 << 20;
    let sent = 0;
    let bytes = 0;
    const queue = ask.filter((h) => lacking.has(h));
    for (const [i, sha] of queue.entries()) {
      if (signal?.aborted || sent >= maxFiles || this.o.paused?.()) return { sent, bytes, left: queue.length - i };
      const image = await store.get(sha).catch(() => undefined);
      if (!image) continue; // evicted or damaged since: nothing to send
      if (image.length > MAX_SYNCED_SNAPSHOT_BYTES) {
        this.refused.add(sha);
        this.o.log?.({ snapshot: sha, bytes: image.length }, `snapshot sync: ${sha.slice(0, 12)}… is larger than a peer takes (${MAX_SYNCED_SNAPSHOT_BYTES} bytes); not sent`);
        continue;
      }
      if (sent > 0 && bytes + image.length > maxBytes) return { sent, bytes, left: queue.length - i };
      try {
        await this.o.client.call(target, `/sync/snapshots/${sha}`, image, 'image/jpeg', 'PUT');
      } catch (err) {
        return this.failed(target, sha, err, sent, bytes, queue.length - i);
      }
      held.add(sha);
      sent++;
      bytes += image.length;
    }
    return { sent, bytes, left: 0 };
  }

  private failed(target: PeerTarget, sha: string | undefined, err: unknown, sent: number, bytes: number, left: number): SnapshotRound {
    const code = isSmolError(err) ? err.code : ErrorCodes.SYNC_PEER_FAILED;
    const message = err instanceof Error ? err.message : String(err);
    if (sha && FINAL.has(code)) {
      // The peer will refuse these bytes every time; skip them (until a restart) and go on next round.
      if (this.refused.size >= 10_000) this.refused.clear();
      this.refused.add(sha);
    }
    this.o.log?.({ peer: target.name, code, ...(sha ? { snapshot: sha } : {}) }, `snapshot sync with ${target.name} failed: ${code}: ${message}`);
    return { sent, bytes, left, failed: code };
  }
}
