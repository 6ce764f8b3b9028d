import t from 'tap';
import { openLevelJournal, openMemoryJournal } from '../core/journal/open-journal.js';
import { journalContract } from './helpers/journal-contract.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('the in-memory journal', async (t) => {
  journalContract(t, async (t, options) => {
    const j = await openMemoryJournal(options);
    t.teardown(() => j.close());
    return j;
  });
});

t.test('the LevelDB journal on disk', async (t) => {
  journalContract(t, async (t, options) => {
    const j = await openLevelJournal(tempDir(t), options);
    t.teardown(() => j.close());
    return j;
  });
});
