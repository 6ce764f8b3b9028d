import { statSync } from 'node:fs';
import t from 'tap';
import { httpNode } from './helpers/http-node.js';
import { loadOrCreateTokens, readTokens, tokensPath } from '../adapters/http/auth/tokens.js';
import { isLoopback } from '../adapters/http/auth/guard.js';
import { tempDir } from './helpers/temp-dir.js';

const LAN = '192.168.1.50';

t.test('loopback is open; any other address needs a credential', async (t) => {
  const { app } = await httpNode(t);
  t.equal((await app.inject({ url: '/api/readings/latest', remoteAddress: '127.0.0.1' })).statusCode, 200);
  t.equal((await app.inject({ url: '/api/readings/latest', remoteAddress: '::1' })).statusCode, 200);
  const lan = await app.inject({ url: '/api/readings/latest', remoteAddress: LAN });
  t.equal(lan.statusCode, 401);
  t.equal(lan.json().error.code, 'SMOL_AUTH_REQUIRED');
  t.same((await app.inject({ url: '/api/whoami', remoteAddress: LAN })).json(), { scope: null, via: 'none' });
  t.equal((await app.inject({ url: '/api/health', remoteAddress: LAN })).statusCode, 200, 'health stays public');
});

t.test('with openOnLoopback false even loopback must authenticate', async (t) => {
  const { tokens } = await httpNode(t);
  const { app } = await httpNode(t, { auth: { tokens, openOnLoopback: false } });
  t.equal((await app.inject('/api/readings/latest')).statusCode, 401);
});

t.test('the read token may look but not change; the admin token may change', async (t) => {
  const { app, tokens, gpio } = await httpNode(t);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  t.equal((await app.inject({ url: '/api/journal', remoteAddress: LAN, headers: as(tokens.read) })).statusCode, 200);
  const denied = await app.inject({ method: 'POST', url: '/api/gpio/mode', remoteAddress: LAN, headers: as(tokens.read), payload: { mode: 'simulated' } });
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().error.code, 'SMOL_FORBIDDEN');
  const allowed = await app.inject({ method: 'POST', url: '/api/gpio/pins/led', remoteAddress: LAN, headers: as(tokens.admin), payload: { value: 1 } });
  t.equal(allowed.statusCode, 200);
  t.equal(gpio.list().find((p) => p.name === 'led')?.value, 1);
  const wrong = await app.inject({ url: '/api/journal', remoteAddress: LAN, headers: as('smol_admin_guess') });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().error.code, 'SMOL_AUTH_INVALID');
});

t.test('login sets an HttpOnly SameSite cookie that grants the token scope; tampering or expiry voids it', async (t) => {
  let now = 1_000_000;
  const { tokens } = await httpNode(t);
  const { app } = await httpNode(t, { auth: { tokens, now: () => now }, now: () => now });
  const bad = await app.inject({ method: 'POST', url: '/api/login', remoteAddress: LAN, payload: { token: 'nope' } });
  t.equal(bad.statusCode, 401);
  t.equal(bad.json().error.code, 'SMOL_AUTH_INVALID');
  t.equal((await app.inject({ method: 'POST', url: '/api/login', remoteAddress: LAN, payload: {} })).json().error.code, 'SMOL_BAD_REQUEST');
  const login = await app.inject({ method: 'POST', url: '/api/login', remoteAddress: LAN, payload: { token: tokens.read } });
  t.equal(login.statusCode, 200);
  const setCookie = String(login.headers['set-cookie']);
  t.match(setCookie, /HttpOnly/);
  t.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  t.same((await app.inject({ url: '/api/whoami', remoteAddress: LAN, headers: { cookie } })).json(), { scope: 'read', via: 'cookie' });
  t.equal((await app.inject({ url: '/api/nodes', remoteAddress: LAN, headers: { cookie } })).statusCode, 200);
  const forged = cookie.replace('v1.read.', 'v1.admin.');
  t.equal((await app.inject({ url: '/api/nodes', remoteAddress: LAN, headers: { cookie: forged } })).statusCode, 401);
  now += 31 * 86_400_000;
  t.equal((await app.inject({ url: '/api/nodes', remoteAddress: LAN, headers: { cookie } })).statusCode, 401, 'expired after 30 days');
  const logout = await app.inject({ method: 'POST', url: '/api/logout', remoteAddress: LAN });
  t.match(String(logout.headers['set-cookie']), /Max-Age=0/);
});

t.test('tokens are created once in the data directory, readable only by the owner', async (t) => {
  const dir = tempDir(t);
  t.equal(await readTokens(dir), undefined);
  const first = await loadOrCreateTokens(dir);
  t.match(first.admin, /^smol_admin_/);
  t.match(first.read, /^smol_read_/);
  t.equal(statSync(tokensPath(dir)).mode & 0o777, 0o600);
  t.same(await loadOrCreateTokens(dir), first, 'the second start keeps them');
  t.same(await readTokens(dir), first);
});

t.test('loopback means 127.0.0.0/8 and ::1, also IPv4-mapped', async (t) => {
  for (const a of ['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a);
  for (const a of ['192.168.1.2', '10.0.0.1', '::ffff:10.0.0.1', '', undefined, '1270.0.0.1']) t.notOk(isLoopback(a), String(a));
});
