import t from 'tap';
import { createLogger, portLog, resolveFormat } from '../adapters/log/logger.js';
import { prettyLine } from '../adapters/log/pretty.js';
import { rateLimitedLog, repeatLimiter } from '../adapters/log/rate-limit.js';

const capture = (o: { format: 'json' | 'pretty' | 'auto'; tty?: boolean; journald?: boolean; level?: 'info' | 'debug' }) => {
  const lines: string[] = [];
  const logger = createLogger({ level: o.level ?? 'info', format: o.format, write: (l) => void lines.push(l), tty: o.tty ?? false, journald: o.journald ?? false });
  return { logger, lines };
};

t.test('json: one object a line with the level as a word, the time, the unit of a child and the fields', async (t) => {
  const { logger, lines } = capture({ format: 'json' });
  logger.child({ unit: 'sensors' }).warn({ provider: 'system' }, 'cannot read');
  t.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  t.match(line, { level: 'warn', unit: 'sensors', provider: 'system', msg: 'cannot read' });
  t.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
  t.notOk('pid' in line || 'hostname' in line, 'no pid and hostname: journald has them');
});

t.test('auto is pretty on a terminal, json elsewhere; pretty lines are readable', async (t) => {
  t.equal(resolveFormat('auto', true), 'pretty');
  t.equal(resolveFormat('auto', false), 'json');
  const { logger, lines } = capture({ format: 'auto', tty: true });
  logger.child({ unit: 'mqtt' }).error({ err: Object.assign(new Error('refused'), { code: 'SMOL_MQTT_UNREACHABLE' }), url: 'mqtt://x:1' }, 'broker down');
  t.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} ERROR mqtt: broker down url=mqtt:\/\/x:1 — SMOL_MQTT_UNREACHABLE: refused$/);
  t.equal(prettyLine('not json'), 'not json');
});

t.test("under journald each line starts with its syslog priority, so journalctl -p err selects errors", async (t) => {
  const { logger, lines } = capture({ format: 'json', journald: true });
  logger.error('bad');
  logger.warn('meh');
  logger.info('fine');
  t.same(lines.map((l) => l.slice(0, 3)), ['<3>', '<4>', '<6>']);
  t.match(JSON.parse(lines[0]!.slice(3)), { level: 'error', msg: 'bad' });
});

t.test('a repeated line is written once, then once per window with how many were held back', async (t) => {
  let now = 0;
  const { logger, lines } = capture({ format: 'json' });
  const log = rateLimitedLog(logger, 60_000, () => now);
  for (let i = 0; i < 30; i++, now += 1000) log('warn', 'sensor', { provider: 'dht22' }, 'cannot read the sensor');
  t.equal(lines.length, 1, '30 failures in 30 s: one line');
  now = 61_000;
  log('warn', 'sensor', { provider: 'dht22' }, 'cannot read the sensor');
  t.equal(lines.length, 2);
  t.match(JSON.parse(lines[1]!), { repeated: 29, msg: 'cannot read the sensor (29 more like it since)' });
  log.clear('sensor');
  log('warn', 'sensor', {}, 'cannot read the sensor');
  t.equal(lines.length, 3, 'after clear the next one is written at once');
});

t.test('portLog: problems are warnings and limited per identical line; other lines are info and never held back', async (t) => {
  let now = 0;
  const { logger, lines } = capture({ format: 'json' });
  const log = portLog(logger, repeatLimiter(60_000, () => now));
  for (let i = 0; i < 5; i++) log('mqtt: connect ECONNREFUSED 127.0.0.1:1883');
  log('sensor provider failed', { provider: 'gpio', error: 'EIO' });
  log('sensor provider failed', { provider: 'gpio', error: 'EIO' });
  for (let i = 0; i < 3; i++) log('mqtt: connected to mqtt://127.0.0.1:1883');
  const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
  t.same(parsed.map((l) => `${l.level} ${l.msg}`), [
    'warn mqtt: connect ECONNREFUSED 127.0.0.1:1883',
    'warn sensor provider failed',
    'info mqtt: connected to mqtt://127.0.0.1:1883',
    'info mqtt: connected to mqtt://127.0.0.1:1883',
    'info mqtt: connected to mqtt://127.0.0.1:1883',
  ]);
});

t.test("portLog drops a line's own `unit: ` prefix, which the unit field now carries", async (t) => {
  const { logger, lines } = capture({ format: 'json' });
  const log = portLog(logger.child({ unit: 'mqtt' }));
  log('mqtt: connected to mqtt://127.0.0.1:1883');
  log('journal: something else');
  t.same(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['connected to mqtt://127.0.0.1:1883', 'journal: something else']);
});
