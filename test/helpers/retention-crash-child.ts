/**
 * Retention under kill -9, for crash tests: opens the journal in <dir> (cold files in <dir>/cold),
 * prints `started`, runs one retention pass that drops the oldest cold file, and kills itself with
 * SIGKILL at <killAt>: 'snapshot' (after the first projection snapshot), 'before-batch' (just before
 * the manifest's drop batch), 'manifest-dropped', 'unlinked', or 'none' (prints `done`).
 * Usage: node --import tsx test/helpers/retention-crash-child.ts <dir> <killAt>
 */
import { join } from 'node:path';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { fsColdStore } from '../../adapters/journal/fs-cold-store.js';
import { runRetention, type DroppableHistory } from '../../core/journal/retention.js';

const [dir, killAt] = [process.argv[2]!, process.argv[3]!];
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
const journal = await openLevelJournal(dir, { cold: fsColdStore(join(dir, 'cold')) });
const manifest = journal.coldManifest!;
const take = journal.projectionSnapshots.take.bind(journal.projectionSnapshots);
journal.projectionSnapshots.take = async (name) => {
  const info = await take(name);
  if (killAt === 'snapshot') die();
  return info;
};
const history: DroppableHistory = {
  list: () => manifest.list(),
  dropOldest: (count, options) => {
    if (killAt === 'before-batch') die();
    return manifest.dropOldest(count, { ...options, onStep: (step) => void (step === killAt && die()) });
  },
};
process.stdout.write('started\n');
const oldest = manifest.list()[0];
await runRetention(journal, history, { policy: { maxBytes: manifest.totalBytes() - (oldest?.bytes ?? 0), maxAgeDays: 0 }, usedBytes: async () => manifest.totalBytes() });
await journal.close();
process.stdout.write('done\n');
