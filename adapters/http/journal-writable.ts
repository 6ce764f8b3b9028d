import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { Journal } from '../../core/journal/journal.js';

/**
 * Throws what the journal would answer an append now, for a route that streams its answer and
 * journals along the way (an agent question): the refusal is a 503 up front, not an error event
 * inside a 200 stream. `lowValue`: the route writes what the low-space watermark refuses.
 * Throws SMOL_DISK_FULL, SMOL_JOURNAL_WRITE_FAILED, SMOL_DISK_LOW.
 */
export function assertJournalWritable(journal: Journal, lowValue: boolean): void {
  const fault = journal.writeFault?.();
  if (fault) throw new SmolError(fault.code, 'the journal cannot write now (the data disk is full or failing); try again later');
  if (lowValue && journal.diskLow) throw new SmolError(ErrorCodes.DISK_LOW, 'the data disk is low on space (below journal.minFreeBytes): agent questions are refused, readings go on');
}
