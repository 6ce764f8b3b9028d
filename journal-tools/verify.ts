import { hashBody } from '../core/events/codec.js';
import { GENESIS_PREV } from '../core/events/event.js';
import { sealMessage, type EventDataMap } from '../core/events/core-events.js';
import type { EventRegistry } from '../core/events/registry.js';
import { nodeIdFromPublicKey, verifyMessage } from '../core/identity/node-identity.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { isSmolError } from '../core/errors.js';
import type { ToolProgress } from './progress.js';

export interface VerifyProblem {
  readonly origin: string;
  readonly seq: number;
  readonly position: number | undefined;
  /** Stable: 'gap', 'chain', 'seal-signature', 'seal-mismatch', 'seal-key', 'schema', 'head', 'undecodable', 'count'. */
  readonly kind: string;
  readonly message: string;
}

export interface FeedReport {
  readonly origin: string;
  readonly events: number;
  readonly head: number;
  /** Highest seq covered by a valid seal (0 when never sealed). */
  readonly sealedTo: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly feeds: FeedReport[];
  readonly problems: VerifyProblem[];
}

/**
 * Walks every feed: contiguous seqs from 1, each `prev` equal to the hash of the event before,
 * every `feed.sealed` signed by the key the origin id is derived from and naming the real head,
 * every known event type valid against its schema, and the stored head equal to the last event.
 * Stops a feed at its first problem (later events of a broken chain prove nothing).
 * `onProgress` hears events checked of the log's positions.
 */
export async function verifyJournal(journal: LevelJournal, registry: EventRegistry, onProgress?: ToolProgress): Promise<VerifyReport> {
  const positions = journal.lastPosition();
  const problems: VerifyProblem[] = [];
  const feeds: FeedReport[] = [];
  let total = 0;
  for (const [origin, head] of journal.heads()) {
    let expectSeq = 1;
    let prevHash = GENESIS_PREV;
    let sealedTo = 0;
    let count = 0;
    const problem = (seq: number, position: number | undefined, kind: string, message: string) =>
      problems.push({ origin, seq, position, kind, message: `${origin}:${seq}${position ? ` (position ${position})` : ''}: ${message}` });
    try {
      for await (const { position, event, body } of journal.readOrigin(origin, 1)) {
        if (event.seq !== expectSeq) {
          problem(expectSeq, undefined, 'gap', `missing; next stored event is seq ${event.seq}`);
          break;
        }
        if (event.prev !== prevHash) {
          problem(event.seq, position, 'chain', `prev ${event.prev.slice(0, 12)}… is not the hash of seq ${event.seq - 1} (${prevHash.slice(0, 12)}…)`);
          break;
        }
        try {
          registry.validate(event.type, event.v, event.data);
        } catch (err) {
          problem(event.seq, position, 'schema', isSmolError(err) ? err.message : String(err));
          break;
        }
        if (event.type === 'feed.sealed') {
          const seal = event.data as EventDataMap['feed.sealed'];
          if (nodeIdFromPublicKey(seal.publicKey) !== origin) {
            problem(event.seq, position, 'seal-key', 'sealed with a key that is not this origin\'s');
            break;
          }
          if (seal.seq !== event.seq - 1 || seal.hash !== prevHash) {
            problem(event.seq, position, 'seal-mismatch', `seal names ${seal.seq}/${seal.hash.slice(0, 12)}…, not the head before it`);
            break;
          }
          if (!verifyMessage(seal.publicKey, sealMessage(origin, seal.seq, seal.hash), seal.signature)) {
            problem(event.seq, position, 'seal-signature', 'seal signature does not verify');
            break;
          }
          sealedTo = seal.seq;
        }
        prevHash = hashBody(origin, body);
        expectSeq = event.seq + 1;
        count++;
        onProgress?.(total + count, positions);
      }
    } catch (err) {
      problem(expectSeq, undefined, 'undecodable', isSmolError(err) ? err.message : String(err));
    }
    if (problems.every((p) => p.origin !== origin)) {
      if (count !== head.seq || prevHash !== head.hash) {
        problem(head.seq, undefined, 'head', `stored head ${head.seq} does not match the last stored event ${count}`);
      }
    }
    total += count;
    feeds.push({ origin, events: count, head: head.seq, sealedTo });
  }
  const logged = journal.lastPosition();
  if (problems.length === 0 && logged !== total) {
    problems.push({ origin: '*', seq: 0, position: logged, kind: 'count', message: `the log holds ${logged} positions but the feeds ${total} events` });
  }
  return { ok: problems.length === 0, events: total, feeds, problems };
}
