// A child process for the cold-history crash tests: fills a journal with 10 days of readings (two
// origins interleaved), prints how many events were acknowledged, then moves history cold and
// SIGKILLs itself right after the named step (argv: dataDir, step, nth occurrence).
import { join } from 'node:path';
import { openLevelJournal, openMemoryJournal } from '../../core/journal/open-journal.js';
import { fsColdStore } from '../../adapters/journal/fs-cold-store.js';
import { coldSettings, fillDays, T0, DAY } from './cold-history.js';

const [dir, step, nth = '1'] = process.argv.slice(2);
if (!dir || !step) throw new TypeError('usage: cold-move-child <dir> <step> [nth]');
const clock = { t: T0 };
const journal = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
const peer = await openMemoryJournal({ clock: { now: () => clock.t } });
await fillDays(journal, clock, 10, 60_000, peer);
process.stdout.write(`acked ${journal.lastPosition()}\n`);
let seen = 0;
const settings = coldSettings(() => clock.t + DAY, {
  maxEvents: 2500,
  deleteBatch: 400,
  onStep: (s) => {
    if (s === step && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
// Two files, so a crash in the second move finds a first one complete.
while (await journal.moveCold(settings));
process.stdout.write('moved without crashing\n');
await journal.close();
