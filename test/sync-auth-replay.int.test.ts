import t, { type Test } from 'tap';
import Fastify from 'fastify';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ErrorCodes } from '../core/errors.js';
import { openLevelJournal, openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { syncPlugin } from '../adapters/http/routes/sync.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { NonceLog, nonceLogPath } from '../adapters/sync/nonce-log.js';
import { loadJournalIdentity, signerFor } from '../adapters/sync/journal-identity.js';
import { tempDir } from './helpers/temp-dir.js';

const config = syncSection.parse({ cluster: 'replay' });

/** The node as `smollama start` runs it: journal and sync state on disk in `dir`, routes on a real port. */
async function startNode(dir: string) {
  const journal = await openLevelJournal(join(dir, 'journal'), { sync: false });
  const service = await SyncService.open(journal, dir, config, createRegistry());
  const app = Fastify();
  await app.register(async (scope) => syncPlugin(scope, { service }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    journal, service, url,
    async stop() {
      await app.close();
      await journal.close();
    },
  };
}

async function peerOf(t: Test) {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const sign = signerFor(await loadJournalIdentity(journal));
  return { journal, sign: (path: string, body: Buffer) => signRequest({ method: 'POST', path, cluster: 'replay', node: journal.nodeId, body, ts: Date.now(), sign: (m) => sign(Buffer.from(m)) }) };
}

const pull = (url: string, auth: string, body: Buffer) =>
  fetch(`${url}/sync/pull`, { method: 'POST', headers: { 'content-type': 'application/json', [SYNC_AUTH_HEADER]: auth }, body: new Uint8Array(body) });
const codeOf = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

t.test('a signed pull captured before a restart is refused after it (SMOL_AUTH_REPLAYED)', async (t) => {
  const dir = tempDir(t);
  const peer = await peerOf(t);
  let node = await startNode(dir);
  await node.service.trust.add(peer.journal.publicKey, 'peer', node.journal.nodeId);
  await node.journal.append([{ type: 'reading.sampled', data: { values: { 'system.load_1': 0.5 } } }]);
  const body = Buffer.from(JSON.stringify({ vector: {} }));
  const captured = peer.sign('/sync/pull', body);
  const first = await pull(node.url, captured, body);
  t.equal(first.status, 200, 'the request is answered once, with a segment');
  await first.arrayBuffer();
  await node.stop();

  node = await startNode(dir);
  t.teardown(() => node.stop());
  const replayed = await pull(node.url, captured, body);
  t.equal(replayed.status, 401);
  t.equal(await codeOf(replayed), ErrorCodes.AUTH_REPLAYED, 'the restarted node remembers the nonce');
  const fresh = await pull(node.url, peer.sign('/sync/pull', body), body);
  t.equal(fresh.status, 200, 'a new request from the same peer is answered');
  await fresh.arrayBuffer();
});

t.test('the nonce log keeps live nonces across reopen, forgets expired ones, and survives a torn last line', async (t) => {
  const path = nonceLogPath(tempDir(t));
  let now = 1_000_000;
  let log = await NonceLog.open(path, () => now);
  await Promise.all([log.record('a'.repeat(32), now + 1000), log.record('b'.repeat(32), now + 5000), log.record('c'.repeat(32), now + 5000)]);
  await log.close();
  appendFileSync(path, '99999999 dddd');
  now += 2000;
  log = await NonceLog.open(path, () => now);
  t.notOk(log.has('a'.repeat(32)), 'expired');
  t.ok(log.has('b'.repeat(32)) && log.has('c'.repeat(32)), 'live ones are back');
  t.equal(log.size, 2);
  await log.close();
});

t.test('a nonce log damaged other than at its end is SMOL_FILE_CORRUPT, naming the file', async (t) => {
  const path = nonceLogPath(tempDir(t));
  const log = await NonceLog.open(path);
  await log.close();
  writeFileSync(path, `garbage\n${Date.now() + 10_000} ${'e'.repeat(32)}\n`);
  await t.rejects(NonceLog.open(path), { code: ErrorCodes.FILE_CORRUPT, message: /seen-nonces\.log/ });
});
