import { ErrorCodes, isSmolError } from '../core/errors.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import type { ColdFileEntry } from '../core/journal/cold/cold-manifest.js';
import { decodeColdIndex } from '../core/journal/cold/cold-index.js';
import { readSegment } from '../core/sync/segment-reader.js';

/** One cold file as `journal verify` saw it. */
export interface ColdFileReport {
  readonly name: string;
  readonly fromPosition: number;
  readonly toPosition: number;
  readonly events: number;
  readonly bytes: number;
  readonly ok: boolean;
}

/** A cold file that does not verify: always named, always SMOL_COLD_FILE_CORRUPT. */
export interface ColdFileProblem {
  readonly origin: '*';
  readonly seq: 0;
  readonly position: number;
  readonly kind: 'cold-file';
  readonly code: typeof ErrorCodes.COLD_FILE_CORRUPT;
  readonly file: string;
  readonly message: string;
}

/**
 * The cold part of `journal verify`: every file of the manifest is read whole as a segment (each
 * frame's and the file's sha-256, this node's signature) and compared with what the manifest says
 * of it (size, digest, ranges, the seek index's frames and runs). A missing, truncated or altered
 * file is a problem naming the file; nothing is skipped. The chains across the hot/cold boundary
 * are walked by verifyJournal's per-feed pass, which reads through the cold files.
 */
export async function verifyColdFiles(journal: LevelJournal): Promise<{ files: ColdFileReport[]; problems: ColdFileProblem[] }> {
  const manifest = journal.coldManifest;
  const files: ColdFileReport[] = [];
  const problems: ColdFileProblem[] = [];
  if (!manifest) return { files, problems };
  let expectFrom: number | undefined;
  for (const entry of manifest.list()) {
    const why = await checkFile(journal, entry, expectFrom);
    expectFrom = entry.toPosition + 1;
    files.push({ name: entry.name, fromPosition: entry.fromPosition, toPosition: entry.toPosition, events: entry.events, bytes: entry.bytes, ok: why === undefined });
    if (why !== undefined) {
      problems.push({ origin: '*', seq: 0, position: entry.fromPosition, kind: 'cold-file', code: ErrorCodes.COLD_FILE_CORRUPT, file: entry.name, message: `cold file ${entry.name} (positions ${entry.fromPosition}..${entry.toPosition}) in ${manifest.store.location}: ${why} (${ErrorCodes.COLD_FILE_CORRUPT})` });
    }
  }
  return { files, problems };
}

/** Why a file does not verify, or undefined when it does. */
async function checkFile(journal: LevelJournal, entry: ColdFileEntry, expectFrom: number | undefined): Promise<string | undefined> {
  const manifest = journal.coldManifest!;
  if (expectFrom !== undefined && entry.fromPosition !== expectFrom) return `it starts at position ${entry.fromPosition}, the file before it ends at ${expectFrom - 1}`;
  const size = await manifest.store.size(entry.name);
  if (size === undefined) return 'the file is missing';
  if (size !== entry.bytes) return `it has ${size} bytes, the manifest says ${entry.bytes}${size < entry.bytes ? ' (truncated)' : ''}`;
  const index = await manifest.index(entry.name);
  let indexed;
  try {
    if (!index) return 'its seek index is missing from the manifest';
    indexed = decodeColdIndex(index, entry.name);
  } catch (err) {
    return (err as Error).message;
  }
  const frameRecords: number[] = [];
  try {
    for await (const item of readSegment(manifest.store.stream(entry.name))) {
      if (item.kind === 'header') {
        const h = item.header;
        if (h.exporter !== journal.nodeId) return `it is signed by ${h.exporter}, not by this node`;
        const same = h.ranges.length === entry.origins.length && h.ranges.every((r, i) => r.origin === entry.origins[i]!.origin && r.from === entry.origins[i]!.fromSeq && r.to === entry.origins[i]!.toSeq);
        if (!same || h.count !== entry.events) return 'its header does not hold the ranges the manifest lists';
      } else if (item.kind === 'frame') {
        frameRecords.push(item.records.length);
      } else if (item.digest.toString('hex') !== entry.sha256) {
        return 'its checksum is not the one recorded when it was written (the file was replaced)';
      }
    }
  } catch (err) {
    return `${(err as Error).message}${isSmolError(err) ? ` [${err.code}]` : ''}`;
  }
  const sameFrames = indexed.frames.length === frameRecords.length && indexed.frames.every((f, i) => f.records === frameRecords[i]);
  if (!sameFrames) return 'its seek index does not match its frames';
  const runTotal = indexed.runs.reduce((n, r) => n + r.count, 0);
  if (runTotal !== entry.events || entry.toPosition - entry.fromPosition + 1 !== entry.events) return 'its seek index does not cover its positions';
  return undefined;
}
