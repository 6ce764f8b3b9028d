import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { loadConfig } from '../adapters/config/load-config.js';
import { startNode } from '../adapters/cli/commands/start.js';
import type { Output } from '../adapters/cli/output.js';
import type { EventDraft } from '../core/events/event.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// journal.minFreeBytes (issue 9, item 6): below the watermark the node keeps its product
// (readings, GPIO, memories) and refuses what is large or can be had again (docs/journal.md).

const codeOf = async (p: Promise<unknown>) => p.then(() => 'stored', (err: { code?: string }) => err.code ?? String(err));

t.test('below the low-space watermark readings are stored and observations, agent questions and foreign events get SMOL_DISK_LOW', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const peer = await openMemoryJournal();
  t.teardown(() => peer.close());
  await peer.appendOne('reading.sampled', { values: { t: 1 } });
  const foreign = [];
  for await (const e of peer.readOriginRaw(peer.nodeId, 1)) foreign.push({ origin: peer.nodeId, body: e.body });

  journal.setDiskLow(true);
  const at = journal.lastPosition();
  t.equal(await codeOf(journal.appendOne('reading.sampled', { values: { t: 21.5 } })), 'stored', 'a reading is stored');
  t.equal(await codeOf(journal.appendOne('gpio.written', { pin: 'led', value: 1, simulated: true })), 'stored', 'a GPIO write is stored');
  for (const type of ['observation.recorded', 'agent.asked', 'tool.called']) {
    t.equal(await codeOf(journal.append([{ type, data: {} } as unknown as EventDraft])), 'SMOL_DISK_LOW', `${type} is refused`);
  }
  t.equal(await codeOf(journal.ingest(foreign)), 'SMOL_DISK_LOW', 'events of another origin (sync, import) are refused');
  t.equal(journal.lastPosition(), at + 2, 'only the reading and the GPIO write were stored');

  journal.setDiskLow(false);
  t.equal(await codeOf(journal.ingest(foreign)), 'stored', 'with room again, the same events are stored');
});

t.test('a node whose data disk has less free space than journal.minFreeBytes reports degraded with SMOL_DISK_LOW and keeps sampling', async (t) => {
  const cwd = tempDir(t);
  // More than any disk has: the watermark is crossed from the first check.
  const config = await loadConfig({ cwd, env: {}, flags: { port: '0', set: ['http.host=127.0.0.1', 'mqtt.enabled=false', 'observer.enabled=false', 'sensors.system.intervalMs=100', 'sensors.gpio.mode=simulated', `journal.minFreeBytes=${2 ** 52}`, 'llm.host=http://127.0.0.1:9'] } });
  const lines: string[] = [];
  const output: Output = { out: (l) => void lines.push(l), err: (l) => void lines.push(l) };
  const running = await startNode(config, output);
  t.teardown(() => running.stop('test'));
  const health = await waitForValue(async () => {
    const h = (await (await fetch(new URL('/api/health', running.http.url))).json()) as { status: string; problems: Array<{ code: string }>; lastPosition: number };
    return h.status === 'degraded' ? h : undefined;
  }, { message: 'health to report degraded below the watermark' });
  t.equal(health.problems[0]?.code, 'SMOL_DISK_LOW', 'with SMOL_DISK_LOW');
  t.equal(lines.filter((l) => l.includes('SMOL_DISK_LOW')).length, 1, 'logged once');
  const ask = await fetch(new URL('/api/agent/ask', running.http.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${running.http.tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'how warm is it?' }),
  });
  t.equal(ask.status, 503, 'an agent question is refused up front with 503');
  t.equal(((await ask.json()) as { error: { code: string } }).error.code, 'SMOL_DISK_LOW', 'with SMOL_DISK_LOW');
  const from = health.lastPosition;
  await waitFor(async () => running.node.journal.lastPosition() > from + 3, { message: 'readings to go on below the watermark' });
});
