/**
 * A writer for the readings-window crash test, run as its own process and killed with SIGKILL:
 * opens the journal in argv[2] with a readings window of argv[3] ms, appends a reading every 5 ms
 * and a statistical observation every argv[4] ms, and prints `R <seq>` / `O <seq>` on stdout once each
 * append has resolved (acknowledged, so durable), until it is killed.
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import type { EventDraft } from '../../core/events/event.js';

const [dir, windowMs, observeMs] = process.argv.slice(2);
const journal = await openLevelJournal(dir!, { readingsCommitMs: Number(windowMs) });
const embedding = encodeEmbedding('test-embed', [0.6, 0.8]);
const ack = (tag: string) => (entries: Array<{ event: { seq: number } }>) => process.stdout.write(`${tag} ${entries[0]!.event.seq}\n`);
let n = 0;
setInterval(() => {
  const reading: EventDraft = { type: 'reading.sampled', data: { values: { 'system.cpu_temp': 40 + (n++ % 100) / 10 } } };
  void journal.append([reading]).then(ack('R'));
}, 5);
setInterval(() => {
  const observation: EventDraft = {
    type: 'observation.recorded',
    data: { text: `cpu_temp at ${n}`, kind: 'state', confidence: 0.5, sources: ['system.cpu_temp'], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding },
  };
  void journal.append([observation]).then(ack('O'));
}, Number(observeMs));
process.stdout.write('ready\n');
