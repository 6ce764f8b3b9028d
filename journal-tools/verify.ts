import { hashBody } from '../core/events/codec.js';
import { sealMessage, type EventDataMap } from '../core/events/core-events.js';
import type { EventRegistry } from '../core/events/registry.js';
import { nodeIdFromPublicKey, verifyMessage } from '../core/identity/node-identity.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { isSmolError } from '../core/errors.js';
import type { ToolProgress } from './progress.js';
import { countBelowBasis, feedStart, firstHeldPosition } from './verify-retention.js';
import { verifyColdFiles, type ColdFileReport } from './verify-cold.js';

export interface VerifyProblem {
  readonly origin: string;
  readonly seq: number;
  readonly position: number | undefined;
  /** Stable: 'gap', 'chain', 'seal-signature', 'seal-mismatch', 'seal-key', 'schema', 'head', 'undecodable', 'count', 'basis', 'cold-file'. */
  readonly kind: string;
  readonly message: string;
  /** For 'cold-file': SMOL_COLD_FILE_CORRUPT and the file's name. */
  readonly code?: string;
  readonly file?: string;
}

export interface FeedReport {
  readonly origin: string;
  readonly events: number;
  readonly head: number;
  /** Highest seq covered by a valid seal (0 when never sealed). */
  readonly sealedTo: number;
  /** Retention: the first seq of the feed (1, or its basis + 1) and the basis it starts at. */
  readonly start: number;
  readonly basis: { readonly seq: number; readonly hash: string; readonly sealSeq: number } | undefined;
  /** Events still held at or below the basis (not part of the verified chain). */
  readonly belowBasis: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly feeds: FeedReport[];
  readonly problems: VerifyProblem[];
  /** Cold history files (journal/cold/), each read whole and checked (verify-cold.ts). */
  readonly coldFiles: ColdFileReport[];
}

/**
 * Walks every feed: contiguous seqs from 1 (or from its retention basis, whose seal must verify),
 * each `prev` equal to the hash of the event before,
 * every `feed.sealed` signed by the key the origin id is derived from and naming the real head,
 * every known event type valid against its schema, and the stored head equal to the last event.
 * Stops a feed at its first problem (later events of a broken chain prove nothing).
 * `onProgress` hears events checked of the log's positions.
 */
export async function verifyJournal(journal: LevelJournal, registry: EventRegistry, onProgress?: ToolProgress): Promise<VerifyReport> {
  const positions = journal.lastPosition();
  // Cold files first: a bad one is reported by name, and the feeds that run through it stop there.
  const cold = await verifyColdFiles(journal);
  const problems: VerifyProblem[] = [...cold.problems];
  const feeds: FeedReport[] = [];
  let total = 0;
  for (const [origin, head] of journal.heads()) {
    const start = feedStart(journal, origin);
    let expectSeq = start.seq;
    let prevHash = start.prev;
    let sealedTo = start.basis ? start.basis.seq : 0;
    let count = 0;
    const problem = (seq: number, position: number | undefined, kind: string, message: string) =>
      problems.push({ origin, seq, position, kind, message: `${origin}:${seq}${position ? ` (position ${position})` : ''}: ${message}` });
    if (start.unproven) problem(start.seq - 1, undefined, 'basis', start.unproven);
    const belowBasis = await countBelowBasis(journal, origin, start.basis);
    try {
      for await (const { position, event, body } of journal.readOrigin(origin, start.seq)) {
        if (start.unproven) break;
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
        if (start.proof?.by === 'chain' && event.seq === start.proof.sealSeq && prevHash !== start.proof.sealHash) {
          problem(event.seq, position, 'basis', `the basis's seal is not the seal held at ${event.seq}`);
          break;
        }
        expectSeq = event.seq + 1;
        count++;
        onProgress?.(total + count, positions);
      }
    } catch (err) {
      problem(expectSeq, undefined, 'undecodable', isSmolError(err) ? err.message : String(err));
    }
    if (problems.every((p) => p.origin !== origin)) {
      if (count !== head.seq - start.seq + 1 || prevHash !== head.hash) {
        problem(head.seq, undefined, 'head', `stored head ${head.seq} does not match the last stored event ${start.seq - 1 + count}`);
      }
    }
    total += count + belowBasis;
    const basis = start.basis && { seq: start.basis.seq, hash: start.basis.hash, sealSeq: start.basis.seal.seq };
    feeds.push({ origin, events: count, head: head.seq, sealedTo, start: start.seq, basis, belowBasis });
  }
  // Retention drops the oldest positions: the log holds the positions from the first held one on.
  const first = await firstHeldPosition(journal);
  const logged = journal.lastPosition() - first + 1;
  if (first > 1 && !feeds.some((f) => f.basis)) {
    problems.push({ origin: '*', seq: 0, position: 1, kind: 'count', message: `positions 1..${first - 1} are missing, and no feed has a retention basis` });
  }
  if (problems.length === 0 && logged !== total) {
    problems.push({ origin: '*', seq: 0, position: journal.lastPosition(), kind: 'count', message: `the log holds ${logged} positions but the feeds ${total} events` });
  }
  return { ok: problems.length === 0, events: total, feeds, problems, coldFiles: cold.files };
}
