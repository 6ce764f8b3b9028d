/**
 * A projection snapshot under kill -9, for crash tests: opens the LevelDB journal in <dir>, takes a
 * snapshot of projection <name> and kills itself with SIGKILL after <killAt>: 'chunk-batch' (the
 * first batch of compressed chunks), 'flipped' (the meta names the new slot), 'cleared' (the previous
 * slot cleared), or 'none' (prints `done`).
 * Usage: node --import tsx test/helpers/snapshot-crash-child.ts <dir> <name> <killAt>
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { ProjectionSnapshots } from '../../core/journal/basis/projection-snapshots.js';

const [dir, name, killAt] = [process.argv[2]!, process.argv[3]!, process.argv[4]!];
const journal = await openLevelJournal(dir);
const snapshots = new ProjectionSnapshots(journal.database, (step) => {
  if (step === killAt) process.kill(process.pid, 'SIGKILL');
});
await snapshots.take(name);
await journal.close();
process.stdout.write('done\n');
