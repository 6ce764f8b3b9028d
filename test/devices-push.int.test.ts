import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createReadingsPush } from '../adapters/devices/push-readings.js';
import { waitFor } from './helpers/wait-for.js';

async function readingsOf(journal: Awaited<ReturnType<typeof openMemoryJournal>>) {
  const out: Record<string, number>[] = [];
  for await (const e of journal.read()) if (e.event.type === 'reading.sampled') out.push((e.event.data as { values: Record<string, number> }).values);
  return out;
}

t.test('pushed readings wait for the gate, are journaled once it opens, and are refused once it closes', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const gate = createReadingsPush(journal);
  let early = false;
  const first = gate.push({ 'door.state': 1 }).then(() => (early = true));
  t.same(await readingsOf(journal), [], 'nothing is journaled before the node has begun');
  t.equal(early, false);
  gate.open();
  await first;
  await gate.push({ 'door.state': 0, 'door.bad': Number.NaN });
  t.same(await readingsOf(journal), [{ 'door.state': 1 }, { 'door.state': 0 }], 'each push is one reading.sampled; a value that is not finite is dropped');
  gate.close();
  await t.rejects(gate.push({ 'door.state': 1 }), { code: 'SMOL_NODE_NOT_RUNNING' });
  t.same(gate.counts(), { written: 2, refused: 1 });
  t.equal((await readingsOf(journal)).length, 2, 'a refused push changes nothing');
});

t.test('a push held when the node stops before it began is refused, not lost silently', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const gate = createReadingsPush(journal);
  const held = gate.push({ 'rain.total': 3 });
  gate.close();
  await t.rejects(held, { code: 'SMOL_NODE_NOT_RUNNING' });
  await waitFor(() => gate.counts().refused === 1, { timeoutMs: 2000, message: 'the refusal is counted' });
  t.same(await readingsOf(journal), []);
});
