import t from 'tap';
import { httpNode } from './helpers/http-node.js';

const LAN = '192.168.1.50';

t.test('health answers anyone with the node, its uptime and projection lag', async (t) => {
  const { app, journal } = await httpNode(t);
  const res = await app.inject({ url: '/api/health', remoteAddress: LAN });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.status, 'ok');
  t.equal(body.node.id, journal.nodeId);
  t.equal(body.node.name, 'kitchen');
  t.type(body.projections.sensors.lag, 'number');
});

t.test('latest readings and the source list come from the sensors projection', async (t) => {
  const { app, sample, journal } = await httpNode(t);
  await sample({ 'test.temp': 21.5 });
  await sample({ 'test.temp': 22.25 });
  const latest = (await app.inject('/api/readings/latest')).json();
  t.match(latest.readings, [{ origin: journal.nodeId, source: 'test.temp', value: 22.25, unit: '°C', label: 'Test temperature' }]);
  const sources = (await app.inject('/api/readings/sources')).json();
  t.ok(sources.sources.some((s: { source: string; count: number }) => s.source === 'test.temp' && s.count === 2));
});

t.test('reading history gives buckets with min, max and mean over a named range', async (t) => {
  const { app, sample } = await httpNode(t);
  for (const v of [10, 20, 30]) await sample({ 'test.temp': v });
  const res = await app.inject('/api/readings/history?source=test.temp&range=1h');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.resolution, 'minute');
  const all = body.points as Array<{ min: number; max: number; count: number }>;
  t.equal(all.reduce((s, p) => s + p.count, 0), 3);
  t.equal(Math.min(...all.map((p) => p.min)), 10);
  t.equal(Math.max(...all.map((p) => p.max)), 30);
  t.equal((await app.inject('/api/readings/history?source=test.temp&range=7d')).json().resolution, 'hour');
});

t.test('bad queries are 400 with SMOL_BAD_REQUEST and say where', async (t) => {
  const { app } = await httpNode(t);
  for (const url of [
    '/api/readings/history',
    '/api/readings/history?source=x&range=2y',
    '/api/readings/history?source=x&range=1h&from=5',
    '/api/journal?limit=0',
    '/api/journal?limit=abc',
    '/api/journal?from=9&to=3',
    '/api/journal?colour=red',
    '/api/observations?hours=-1',
  ]) {
    const res = await app.inject(url);
    t.equal(res.statusCode, 400, url);
    t.equal(res.json().error.code, 'SMOL_BAD_REQUEST', url);
  }
  const res = await app.inject('/api/journal?limit=abc');
  t.match(res.json().error.message, /query\.limit/);
});

t.test('the journal can be queried by type, origin and position range, newest first by default', async (t) => {
  const { app, sample, journal } = await httpNode(t);
  const a = await sample({ 'test.temp': 1 });
  const b = await sample({ 'test.temp': 2 });
  const byType = (await app.inject('/api/journal?types=reading.sampled')).json();
  t.same(byType.entries.map((e: { position: number }) => e.position), [b.position, a.position]);
  const asc = (await app.inject(`/api/journal?types=reading.sampled&order=asc&limit=1`)).json();
  t.same(asc.entries.map((e: { position: number }) => e.position), [a.position]);
  const range = (await app.inject(`/api/journal?from=1&to=2&order=asc`)).json();
  t.same(range.entries.map((e: { position: number }) => e.position), [1, 2]);
  t.equal((await app.inject(`/api/journal?origins=someone-else`)).json().entries.length, 0);
  t.equal((await app.inject(`/api/journal?origins=${journal.nodeId}&types=node.started,gpio.mode.changed`)).json().entries.length, 1);
  t.equal(byType.lastPosition, journal.lastPosition());
  const one = (await app.inject(`/api/journal/events/${encodeURIComponent(b.event.id)}`)).json();
  t.equal(one.position, b.position);
  t.equal((await app.inject(`/api/journal/positions/${a.position}`)).json().event.id, a.event.id);
  const missing = await app.inject(`/api/journal/positions/99999`);
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'SMOL_NOT_FOUND');
});

t.test('nodes list this node with its head, and stats count events and readings', async (t) => {
  const { app, sample, journal } = await httpNode(t);
  await sample({ 'test.temp': 1 });
  const nodes = (await app.inject('/api/nodes')).json();
  t.equal(nodes.self, journal.nodeId);
  t.match(nodes.nodes, [{ origin: journal.nodeId, name: 'kitchen', role: 'alpaca', self: true }]);
  const stats = (await app.inject('/api/stats')).json();
  t.equal(stats.lastPosition, journal.lastPosition());
  t.equal(stats.readings, 1);
  t.equal(stats.origins, 1);
});

t.test('observations and memories are empty lists until the agent provides search', async (t) => {
  const { app } = await httpNode(t);
  t.same((await app.inject('/api/observations?query=door&kind=trend&hours=24&limit=5')).json(), { available: false, items: [] });
  t.same((await app.inject('/api/memories')).json(), { available: false, items: [] });
  const searched: unknown[] = [];
  const { app: withSearch } = await httpNode(t, { search: { observations: async (q) => (searched.push(q), [{ text: 'door opened' }]) } });
  t.same((await withSearch.inject('/api/observations?query=door&hours=2')).json(), { available: true, items: [{ text: 'door opened' }] });
  t.same(searched, [{ query: 'door', hours: 2, limit: 50 }]);
});

t.test('GPIO mode can be read and switched; the switch is journaled', async (t) => {
  const { app, journal } = await httpNode(t);
  const gpio = (await app.inject('/api/gpio')).json();
  t.equal(gpio.mode, 'simulated');
  t.same(gpio.pins.map((p: { name: string }) => p.name), ['button', 'led']);
  const toHw = await app.inject({ method: 'POST', url: '/api/gpio/mode', payload: { mode: 'hardware' } });
  t.equal(toHw.statusCode, 409, 'no hardware on this machine');
  t.equal(toHw.json().error.code, 'SMOL_SENSOR_UNAVAILABLE');
  const same = await app.inject({ method: 'POST', url: '/api/gpio/mode', payload: { mode: 'simulated' } });
  t.equal(same.statusCode, 200);
  const write = await app.inject({ method: 'POST', url: '/api/gpio/pins/led', payload: { value: 1 } });
  t.equal(write.statusCode, 200);
  t.equal(write.json().pins.find((p: { name: string }) => p.name === 'led').value, 1);
  const types: string[] = [];
  for await (const e of journal.read({ types: ['gpio.written'] })) types.push(e.event.type);
  t.same(types, ['gpio.written']);
});

t.test('an invalid GPIO request is 400 and changes nothing', async (t) => {
  const { app, journal, gpio } = await httpNode(t);
  const before = journal.lastPosition();
  for (const payload of [{ mode: 'turbo' }, { mode: 'simulated', extra: 1 }, {}, 'not json']) {
    const res = await app.inject({ method: 'POST', url: '/api/gpio/mode', payload: payload as never, headers: typeof payload === 'string' ? { 'content-type': 'application/json' } : {} });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().error.code, 'SMOL_BAD_REQUEST');
  }
  const pin = await app.inject({ method: 'POST', url: '/api/gpio/pins/led', payload: { value: 2 } });
  t.equal(pin.statusCode, 400);
  const unknown = await app.inject({ method: 'POST', url: '/api/gpio/pins/nope', payload: { value: 1 } });
  t.equal(unknown.json().error.code, 'SMOL_GPIO_PIN_UNKNOWN');
  const input = await app.inject({ method: 'POST', url: '/api/gpio/pins/button', payload: { value: 1 } });
  t.equal(input.json().error.code, 'SMOL_GPIO_NOT_OUTPUT');
  t.equal(journal.lastPosition(), before, 'nothing was journaled');
  t.equal(gpio.mode, 'simulated');
});

t.test('an unknown route is a 404 with SMOL_NOT_FOUND', async (t) => {
  const { app } = await httpNode(t);
  const res = await app.inject('/api/nope');
  t.equal(res.statusCode, 404);
  t.equal(res.json().error.code, 'SMOL_NOT_FOUND');
});
