import t from 'tap';
import { inspectEvent } from '../journal-tools/inspect.js';
import { journalCounts } from '../journal-tools/stats.js';
import { allProjections } from '../projections/all.js';
import { followRemote, remoteTail, type RunningNodeApi } from '../adapters/cli/remote-node.js';
import type { JournalEntry } from '../core/events/event.js';
import type { WsStats } from '../adapters/http/ws-protocol.js';
import { httpNode } from './helpers/http-node.js';
import { waitFor } from './helpers/wait-for.js';

// Item 4 of issue 10: what `journal stats`, `inspect` and `tail [--follow]` ask a running node.
const LAN = '192.168.1.50';

t.test('GET /api/journal/inspect and /api/journal/stats answer what the local tools compute, with the read scope', async (t) => {
  const { app, journal, node, tokens, sample } = await httpNode(t);
  for (let i = 0; i < 5; i++) await sample({ 'test.temp': 20 + i });
  const id = `${journal.nodeId}:3`;
  const auth = { authorization: `Bearer ${tokens.read}` };

  const anonymous = await app.inject({ url: `/api/journal/inspect?id=${id}`, remoteAddress: LAN });
  t.equal(anonymous.statusCode, 401, 'no token from the LAN: refused');
  t.equal(anonymous.json().error.code, 'SMOL_AUTH_REQUIRED');
  t.equal((await app.inject({ url: '/api/journal/stats', remoteAddress: LAN })).statusCode, 401, 'stats too');

  const byId = await app.inject({ url: `/api/journal/inspect?id=${id}`, remoteAddress: LAN, headers: auth });
  t.equal(byId.statusCode, 200);
  t.same(byId.json(), JSON.parse(JSON.stringify(await inspectEvent(journal, { id }))), 'by id: what journal inspect computes (hash, size)');
  const byPosition = await app.inject({ url: '/api/journal/inspect?position=3', headers: auth });
  t.same(byPosition.json(), JSON.parse(JSON.stringify(await inspectEvent(journal, { position: 3 }))), 'by position');

  for (const [query, code, status] of [
    [`id=${id}&position=3`, 'SMOL_BAD_REQUEST', 400],
    ['', 'SMOL_BAD_REQUEST', 400],
    ['id=garbage', 'SMOL_BAD_REQUEST', 400],
    ['position=0', 'SMOL_BAD_REQUEST', 400],
    ['other=1', 'SMOL_BAD_REQUEST', 400],
    [`id=${journal.nodeId}:9999`, 'SMOL_NOT_FOUND', 404],
    ['position=9999', 'SMOL_NOT_FOUND', 404],
  ] as const) {
    const res = await app.inject({ url: `/api/journal/inspect?${query}`, headers: auth });
    t.equal(res.statusCode, status, `inspect?${query}: ${status}`);
    t.equal(res.json().error.code, code, `inspect?${query}: ${code}`);
  }

  const stats = await app.inject({ url: '/api/journal/stats', remoteAddress: LAN, headers: auth });
  t.equal(stats.statusCode, 200);
  const counts = await journalCounts(journal, allProjections.map((p) => p.name));
  // Projections as they run: every one has applied all 7 events, though none has committed yet (once a minute).
  const live = counts.projections.map((p) => ({ name: p.name, version: node.runner(p.name).projection.version, position: journal.lastPosition() }));
  t.same(stats.json(), JSON.parse(JSON.stringify({ ...counts, projections: live })), 'stats: the counts journal stats computes, projections as they run');
  t.ok(counts.projections.every((p) => p.version === null), 'the stored checkpoints are not written yet: the live answer is the one to show');
  t.equal(stats.json().byType['reading.sampled'], 5, 'five readings counted');
  t.notOk('bytesOnDisk' in stats.json(), 'the size on disk is measured by the CLI next to the data directory');
});

t.test('remoteTail pages past the API limit of 1,000 without a gap; followRemote follows from where the tail ended', async (t) => {
  let wsStats: () => WsStats = () => ({ connections: 0, subscriptions: 0, readers: 0, liveGroups: 0, liveMembers: 0, queuedBytes: 0 });
  const { app, journal, tokens } = await httpNode(t, { ws: { monitor: (s) => (wsStats = s) } });
  await journal.append(Array.from({ length: 2300 }, (_, i) => ({ type: 'reading.sampled' as const, data: { values: { 'test.temp': i } } })));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const node: RunningNodeApi = { url: `${url}/`, pid: process.pid, nodeId: journal.nodeId, token: tokens.read };

  const last = journal.lastPosition();
  const { entries, lastPosition } = await remoteTail(node, { limit: 2100 });
  t.equal(lastPosition, last, 'the end the first page fixed');
  t.equal(entries.length, 2100, 'all 2,100 asked for, over three pages');
  t.same(entries.map((e) => e.position), Array.from({ length: 2100 }, (_, i) => last - 2099 + i), 'oldest first, contiguous, ending at the last position');
  const typed = await remoteTail(node, { limit: 3, types: ['source.registered'] });
  t.ok(typed.entries.length >= 1 && typed.entries.every((e) => e.event.type === 'source.registered'), 'the type filter reaches the API');

  const seen: JournalEntry[] = [];
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const following = followRemote(node, lastPosition + 1, { limit: 1 }, (e) => seen.push(e), stopped);
  await journal.append(Array.from({ length: 3 }, (_, i) => ({ type: 'reading.sampled' as const, data: { values: { 'test.temp': 100 + i } } })));
  await waitFor(() => seen.length >= 3, { message: 'the three new events over /ws' });
  t.same(seen.map((e) => e.position), [last + 1, last + 2, last + 3], 'exactly the events after the tail, in order');
  stop();
  t.equal(await following, 'asked', 'a stop that was asked for ends the follow');

  // The node stopping closes the stream: the follow ends by itself.
  const again = followRemote(node, journal.lastPosition() + 1, { limit: 1 }, () => undefined, new Promise(() => undefined));
  await journal.append([{ type: 'reading.sampled', data: { values: { 'test.temp': 1 } } }]);
  await waitFor(() => wsStats().subscriptions === 1, { message: 'the follow subscribed' });
  await app.close();
  t.equal(await again, 'node-stopped', 'the node closing its sockets ends the follow as node-stopped');
});

t.test('followRemote rejects with the node\'s error code (position ahead) and SMOL_NODE_UNREACHABLE when nobody listens', async (t) => {
  const { app, journal, tokens } = await httpNode(t);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const node: RunningNodeApi = { url: `${url}/`, pid: process.pid, nodeId: journal.nodeId, token: tokens.read };
  await t.rejects(followRemote(node, journal.lastPosition() + 50, { limit: 1 }, () => undefined, new Promise(() => undefined)), { code: 'SMOL_WS_POSITION_AHEAD' });
  await app.close();
  await t.rejects(followRemote(node, 1, { limit: 1 }, () => undefined, new Promise(() => undefined)), { code: 'SMOL_NODE_UNREACHABLE' });
  await t.rejects(remoteTail(node, { limit: 1 }), { code: 'SMOL_NODE_UNREACHABLE' });
});
