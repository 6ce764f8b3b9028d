import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import type { UnitReport } from '../core/runtime/units.js';
import type { FleetAnswer, OverviewAnswer } from '../adapters/http/routes/api-overview.js';
import { httpNode } from './helpers/http-node.js';
import { edgeJournal, edgeNotes, edgeReadings, syncEdgeInto } from './helpers/fleet-fixture.js';

const LAN = '192.168.1.50';
const MIN = 60_000;

t.test('a hub with two synced edges: /api/overview and /api/fleet', async (t) => {
  const real = Date.now();
  let clock = real - 3 * 60 * MIN;
  const units: UnitReport[] = [
    { name: 'journal', state: 'running' },
    { name: 'vision', state: 'failed', code: ErrorCodes.VISION_DISABLED, message: 'no camera answered', since: new Date(real - 5 * MIN).toISOString() },
  ];
  const hub = await httpNode(t, { units: () => units, now: () => clock }, { now: () => clock, role: 'llama' });
  const greenhouse = await edgeJournal(t, { name: 'greenhouse', sources: [{ source: 'env.temp', unit: '°C', label: 'Greenhouse temperature' }, { source: 'system.load_1', label: 'Load' }] }, () => clock);
  const barn = await edgeJournal(t, { name: 'barn', sources: [{ source: 'env.temp', unit: '°C', label: 'Barn temperature' }] }, () => clock);
  const settle = async () => {
    for (const r of hub.node.runners.values()) await r.caughtUp(hub.journal.lastPosition());
  };

  // Three hours ago the barn synced for the last time; the greenhouse syncs now.
  await edgeReadings(barn, { 'env.temp': 8.5 });
  await edgeNotes(barn.journal, { sources: [{ source: 'env.temp', label: 'Barn temperature' }], observation: { text: 'Barn temperature steady around 8.5 °C.', method: 'statistical' } }, clock);
  await syncEdgeInto(hub.journal, barn);
  clock = real;
  await edgeReadings(greenhouse, { 'env.temp': 24.5, 'system.load_1': 0.3 });
  await edgeNotes(greenhouse.journal, { sources: [{ source: 'env.temp', label: 'Greenhouse temperature' }], observation: { text: 'The greenhouse warmed by 3 °C in the last hour.', method: 'llm' }, memory: 'The greenhouse vents open above 28 °C.' }, clock);
  t.ok((await syncEdgeInto(hub.journal, greenhouse)) > 0, 'the greenhouse segment applied');
  // What the hub's peer loop and clock-skew reporter journal about the greenhouse.
  const atSync = hub.journal.vector();
  await hub.journal.appendOne('sync.completed', { peer: greenhouse.journal.nodeId, peerName: 'greenhouse', via: 'http', sent: 2, received: 7, bytesSent: 100, bytesReceived: 900, peerVector: atSync, durationMs: 20, clockOffsetMs: 1000 });
  await hub.journal.appendOne('clock.skew.detected', { origin: greenhouse.journal.nodeId, aheadMs: 95_000, remoteHlc: '0000000000000000', maxOffsetMs: 60_000 });
  await hub.journal.appendOne('sync.conflict.detected', { peer: barn.journal.nodeId, peerName: 'barn', via: 'usb', eventId: `${barn.journal.nodeId}:1`, origin: barn.journal.nodeId, seq: 1, ours: 'a'.repeat(64), theirs: 'b'.repeat(64) });
  clock = real + 1000;
  await hub.journal.appendOne('memory.remembered', { text: 'The barn door stays shut at night.', kind: 'fact', confidence: 0.2, sources: [], by: { kind: 'agent' }, embedding: { model: 'test-embed', dim: 1, vector: 'AACAPw==' } });
  await settle();

  await t.test('bad queries are coded 400s that change nothing', async (t) => {
    for (const url of ['/api/overview?limit=0', '/api/overview?limit=abc', '/api/overview?what=1', '/api/fleet?readings=99', '/api/fleet?node=x']) {
      const res = await hub.app.inject(url);
      t.equal(res.statusCode, 400, url);
      t.equal(res.json().error.code, ErrorCodes.BAD_REQUEST, `${url}: ${res.json().error.message}`);
    }
  });

  await t.test('from the LAN: refused without a token, answered with the read token', async (t) => {
    for (const url of ['/api/overview', '/api/fleet']) {
      const anon = await hub.app.inject({ url, remoteAddress: LAN });
      t.equal(anon.statusCode, 401, url);
      t.equal(anon.json().error.code, ErrorCodes.AUTH_REQUIRED);
      t.equal((await hub.app.inject({ url, remoteAddress: LAN, headers: { authorization: `Bearer ${hub.tokens.read}` } })).statusCode, 200, `${url} with the read token`);
    }
  });

  await t.test('the overview: alerts worst first, the newest observations and memories of every node', async (t) => {
    const o = (await hub.app.inject('/api/overview?limit=3')).json() as OverviewAnswer;
    t.same(o.alerts.map((a) => [a.severity, a.code]), [
      ['critical', ErrorCodes.VISION_DISABLED],
      ['critical', ErrorCodes.SEGMENT_CONFLICT],
      ['warning', ErrorCodes.CLOCK_SKEW],
    ]);
    t.match(o.alerts[0], { unit: 'vision', message: /vision unit is failed: no camera answered/, at: real - 5 * MIN });
    t.match(o.alerts[1], { node: barn.journal.nodeId, message: /barn delivered 1 event to kitchen/ });
    t.match(o.alerts[2], { node: greenhouse.journal.nodeId, message: /greenhouse runs 95 s ahead of kitchen/ });
    t.same(o.observations.map((x) => [x.method, x.origin]), [['llm', greenhouse.journal.nodeId], ['statistical', barn.journal.nodeId]], 'newest first, each marked');
    t.same(o.memories.map((m) => m.text), ['The barn door stays shut at night.', 'The greenhouse vents open above 28 °C.'], 'newest first, not most confident first');
  });

  await t.test('the fleet: the hub first, each edge with status, last seen, lag, offset, readings and observation', async (t) => {
    const f = (await hub.app.inject('/api/fleet?readings=1')).json() as FleetAnswer;
    t.equal(f.self, hub.journal.nodeId);
    t.same(f.thresholds, { onlineMs: 2 * MIN, offlineMs: 15 * MIN });
    t.same(f.nodes.map((n) => [n.name, n.status, n.self]), [['kitchen', 'online', true], ['barn', 'offline', false], ['greenhouse', 'online', false]]);
    const [, b, g] = f.nodes;
    t.equal(b!.lastSeen, real - 3 * 60 * MIN, 'the barn was last seen when the hub received it (its clock), 3 h ago');
    t.equal(b!.lastSeenBy, 'received');
    t.equal(b!.syncLag, null, 'the hub never synced with the barn directly');
    const hubSince = hub.journal.vector()[hub.journal.nodeId]! - atSync[hub.journal.nodeId]!;
    t.ok(hubSince >= 4, `the hub wrote ${hubSince} events since`);
    t.equal(g!.syncLag, hubSince, 'the greenhouse lacks what the hub wrote since the sync');
    t.equal(g!.clockOffsetMs, 1000);
    t.match(g!.clockSkew, { active: true, aheadMs: 95_000 });
    t.same(g!.readings.map((r) => [r.source, r.value]), [['env.temp', 24.5]], 'its own sensor before system figures, as many as asked');
    t.equal(g!.readingCount, 2);
    t.match(g!.observation, { method: 'llm', text: /warmed/ });
    t.match(b!.observation, { method: 'statistical' });
    t.equal(f.nodes[0]!.observation, null, 'the hub has none');
  });

  await t.test('an edge that synced 10 minutes ago is stale; the readings and observations APIs filter by node', async (t) => {
    clock = real + 10 * MIN;
    const f = (await hub.app.inject('/api/fleet')).json() as FleetAnswer;
    t.equal(f.nodes.find((n) => n.name === 'greenhouse')?.status, 'stale');
    const readings = (await hub.app.inject(`/api/readings/latest?origin=${greenhouse.journal.nodeId}`)).json().readings as Array<{ origin: string }>;
    t.ok(readings.length === 2 && readings.every((r) => r.origin === greenhouse.journal.nodeId), 'only the greenhouse');
  });
});
