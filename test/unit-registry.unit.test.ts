import t from 'tap';
import { UnitRegistry, overallState, startOrder, type Unit, type UnitHealth } from '../core/runtime/units.js';
import { ErrorCodes, SmolError } from '../core/errors.js';
import { ManualTimeouts } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

type Ctx = { readonly unit: string };

/** A unit that records its start and stop in `events`; `fail` makes its start throw, `hang` its stop never end. */
function unit(name: string, needs: string[], events: string[], o: { fail?: boolean; hang?: boolean; stopTimeoutMs?: number; health?: () => UnitHealth } = {}): Unit<Ctx> {
  return {
    name,
    needs,
    ...(o.stopTimeoutMs !== undefined ? { stopTimeoutMs: o.stopTimeoutMs } : {}),
    async start(ctx) {
      if (ctx.unit !== name) throw new TypeError('wrong context');
      if (o.fail) throw new SmolError(ErrorCodes.HTTP_LISTEN_FAILED, `${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop() {
      events.push(`stop ${name}`);
      return o.hang ? new Promise<void>(() => undefined) : Promise.resolve();
    },
    health: o.health ?? (() => ({ state: 'running' })),
  };
}

function registry(units: Unit<Ctx>[], timers = new ManualTimeouts(), logs: string[] = []) {
  return new UnitRegistry<Ctx>(units, { context: (u) => ({ unit: u.name }), timers, now: () => timers.now, log: (m) => void logs.push(m), stopTimeoutMs: 1000, stopBudgetMs: 9000 });
}

t.test('units start in dependency order (list order where needs leave a choice) and stop in reverse', async (t) => {
  const events: string[] = [];
  const r = registry([unit('http', ['node', 'journal'], events), unit('journal', [], events), unit('node', ['journal'], events), unit('sync', ['journal'], events)]);
  await r.start();
  t.same(events, ['start journal', 'start node', 'start http', 'start sync']);
  t.same(r.health().map((u) => `${u.name}:${u.state}`), ['journal:running', 'node:running', 'http:running', 'sync:running']);
  events.length = 0;
  await r.stop();
  t.same(events, ['stop sync', 'stop http', 'stop node', 'stop journal']);
  t.same(r.health().map((u) => u.state), ['stopped', 'stopped', 'stopped', 'stopped']);
  await r.stop();
  t.equal(events.length, 4, 'a second stop stops nothing again');
});

t.test('an unknown need, a cycle or a duplicate name is a TypeError', async (t) => {
  const e: string[] = [];
  t.throws(() => startOrder([unit('a', ['nope'], e)]), TypeError);
  t.throws(() => startOrder([unit('a', ['b'], e), unit('b', ['c'], e), unit('c', ['a'], e)]), { name: 'TypeError', message: /cycle/ });
  t.throws(() => startOrder([unit('a', [], e), unit('a', [], e)]), TypeError);
});

t.test("after each unit's failure exactly the units started before it are stopped, in reverse", async (t) => {
  const names = ['journal', 'tokens', 'node', 'mqtt', 'http', 'begin'];
  for (const [i, failing] of names.entries()) {
    const events: string[] = [];
    const r = registry(names.map((n, j) => unit(n, j === 0 ? [] : [names[j - 1]!], events, { fail: n === failing })));
    await t.rejects(r.start(), { code: ErrorCodes.HTTP_LISTEN_FAILED }, `${failing}'s error reaches the caller`);
    const started = names.slice(0, i);
    t.same(events, [...started.map((n) => `start ${n}`), ...[...started].reverse().map((n) => `stop ${n}`)], `${failing} fails: ${started.join(', ') || 'nothing'} unwound`);
    const failed = r.health().find((u) => u.name === failing);
    t.same({ state: failed?.state, code: failed?.code }, { state: 'failed', code: ErrorCodes.HTTP_LISTEN_FAILED }, `${failing} is reported failed with its code`);
  }
});

t.test('a stop that hangs is cut off after its time, logged, and the units after it still stop', async (t) => {
  const timers = new ManualTimeouts();
  const events: string[] = [];
  const logs: string[] = [];
  const r = registry([unit('journal', [], events), unit('mqtt', ['journal'], events, { hang: true, stopTimeoutMs: 2500 }), unit('http', ['journal'], events)], timers, logs);
  await r.start();
  let done = false;
  const stopping = r.stop().then(() => (done = true));
  await waitFor(() => events.includes('stop mqtt'), { timeoutMs: 5000, message: 'mqtt to be asked to stop' });
  timers.advance(2499);
  await Promise.resolve();
  t.notOk(done, 'not given up before its stopTimeoutMs');
  t.notOk(events.includes('stop journal'), 'the journal waits for it meanwhile');
  timers.advance(1);
  await stopping;
  t.same(events.slice(3), ['stop http', 'stop mqtt', 'stop journal']);
  t.match(logs.join('\n'), /gave up unit mqtt after 2500 ms/);
  t.same(r.health().map((u) => `${u.name}:${u.state}`), ['journal:stopped', 'mqtt:failed', 'http:stopped']);
});

t.test('hanging stops together stay within the stop budget, and later units keep a reserve', async (t) => {
  const timers = new ManualTimeouts();
  const events: string[] = [];
  const names = ['journal', 'a', 'b', 'c', 'd', 'e'];
  const r = new UnitRegistry<Ctx>(
    names.map((n, i) => unit(n, i === 0 ? [] : ['journal'], events, { hang: true, stopTimeoutMs: 4000 })),
    { context: (u) => ({ unit: u.name }), timers, now: () => timers.now, stopBudgetMs: 9000 },
  );
  await r.start();
  const stopping = r.stop();
  // Step the clock until every unit has been cut off; count how long that took on the fake clock.
  for (let i = 0; i < 200 && !events.includes('stop journal'); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    timers.advance(100);
  }
  for (let i = 0; i < 200 && timers.pending.size > 0; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    timers.advance(100);
  }
  await stopping;
  t.ok(events.includes('stop journal'), 'the journal (last) is still stopped');
  t.ok(timers.now <= 9000 + 100, `all stops within the 9 s budget (took ${timers.now} ms of fake time)`);
});

t.test("a running unit's own health is reported; the node is degraded when one unit is degraded or failed", async (t) => {
  let state: UnitHealth = { state: 'running' };
  const r = registry([unit('journal', [], [], { health: () => state }), unit('http', ['journal'], [])]);
  await r.start();
  t.equal(overallState(r.health()), 'ok');
  state = { state: 'degraded', code: ErrorCodes.DISK_FULL, message: 'full' };
  const journal = r.health()[0];
  t.same({ name: journal?.name, state: journal?.state, code: journal?.code }, { name: 'journal', state: 'degraded', code: ErrorCodes.DISK_FULL });
  t.equal(overallState(r.health()), 'degraded');
  await r.stop();
});
