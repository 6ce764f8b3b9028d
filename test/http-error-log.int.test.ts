import t from 'tap';
import { httpNode } from './helpers/http-node.js';
import { createLogger } from '../adapters/log/logger.js';

// Issue 10 item 2: the 500 path told the client "see the node log" while nothing was logged.

t.test('an internal error is answered 500 with the request id and logged at error with its cause under that id', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(l), tty: false, journald: false });
  const { app } = await httpNode(t, {
    loggerInstance: logger.child({ unit: 'http' }),
    units: () => {
      throw new Error('the unit list broke', { cause: new Error('disk on fire') });
    },
  });
  const res = await app.inject({ method: 'GET', url: '/api/health' });
  t.equal(res.statusCode, 500);
  const body = res.json() as { error: { code: string; message: string } };
  t.equal(body.error.code, 'SMOL_INTERNAL');
  const logged = lines.map((l) => JSON.parse(l) as { level: string; unit: string; msg: string; reqId: string; url: string; err: { message: string; stack: string } }).find((l) => l.msg === 'request failed');
  t.ok(logged, 'the failure is logged');
  t.equal(logged?.level, 'error');
  t.equal(logged?.unit, 'http');
  t.equal(logged?.url, '/api/health');
  t.match(logged?.err.message ?? '', /the unit list broke.*disk on fire/, 'with the error and its cause');
  t.ok(body.error.message.includes(`request ${logged?.reqId}`), `the client is told the request id to look for (${body.error.message})`);
  t.notMatch(body.error.message, /disk on fire/, 'the cause stays in the log, not in the answer');
});

t.test('requests are logged at debug, not at info', async (t) => {
  const lines: string[] = [];
  const make = (level: 'info' | 'debug') => createLogger({ level, format: 'json', write: (l) => void lines.push(l), tty: false, journald: false });
  const quiet = await httpNode(t, { loggerInstance: make('info') });
  await quiet.app.inject({ method: 'GET', url: '/api/health' });
  t.equal(lines.filter((l) => l.includes('"msg":"request"')).length, 0, 'nothing per request at info');
  const chatty = await httpNode(t, { loggerInstance: make('debug') });
  await chatty.app.inject({ method: 'GET', url: '/api/health?x=1' });
  const line = lines.map((l) => JSON.parse(l) as { level: string; msg: string; url?: string; status?: number }).find((l) => l.msg === 'request');
  t.same({ level: line?.level, url: line?.url, status: line?.status }, { level: 'debug', url: '/api/health', status: 200 }, 'one line per request at debug, without the query');
});
