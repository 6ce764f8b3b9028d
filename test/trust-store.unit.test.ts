import t from 'tap';
import { writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity } from '../core/identity/node-identity.js';
import { ErrorCodes } from '../core/errors.js';
import { TrustStore, parsePublicKey } from '../adapters/sync/trust-store.js';
import { tempDir } from './helpers/temp-dir.js';

const key = () => generateIdentity().identity;

t.test('trust add, list, find and remove keys; a node id is derived from its key', async (t) => {
  const dir = tempDir(t);
  const self = key();
  const hub = key();
  const edge = key();
  const store = await TrustStore.open(dir);
  t.same(store.list(), []);
  const added = await store.add(hub.publicKey, 'hub', self.nodeId);
  t.match(added, { nodeId: hub.nodeId, publicKey: hub.publicKey, name: 'hub', source: 'file' });
  await store.add(edge.publicKey, undefined, self.nodeId);
  t.ok(store.isTrusted(hub.nodeId) && store.isTrusted(edge.nodeId));
  t.notOk(store.isTrusted(self.nodeId));
  t.equal(store.find('hub')?.nodeId, hub.nodeId, 'by name');
  t.equal(store.find(edge.publicKey)?.nodeId, edge.nodeId, 'by key');
  t.equal(store.find(edge.nodeId)?.nodeId, edge.nodeId, 'by id');
  const reopened = await TrustStore.open(dir);
  t.same(reopened.list().map((n) => n.nodeId).sort(), [hub.nodeId, edge.nodeId].sort(), 'kept in trust.json');
  t.equal(await reopened.remove('hub'), true);
  t.notOk(reopened.isTrusted(hub.nodeId));
  t.equal(await reopened.remove('hub'), false, 'removing twice finds nothing');
});

t.test('malformed keys, our own key and a name in use are refused with usage errors', async (t) => {
  const dir = tempDir(t);
  const self = key();
  const store = await TrustStore.open(dir);
  await t.rejects(store.add('not-a-key', undefined, self.nodeId), { code: ErrorCodes.CLI_USAGE });
  t.throws(() => parsePublicKey('A'.repeat(44)), { code: ErrorCodes.CLI_USAGE });
  await t.rejects(store.add(self.publicKey, undefined, self.nodeId), { code: ErrorCodes.CLI_USAGE }, 'own key');
  await store.add(key().publicKey, 'hub', self.nodeId);
  await t.rejects(store.add(key().publicKey, 'hub', self.nodeId), { code: ErrorCodes.CLI_USAGE }, 'name taken');
});

t.test('keys from the config are trusted too, and cannot be removed with trust remove', async (t) => {
  const dir = tempDir(t);
  const hub = key();
  const store = await TrustStore.open(dir, [{ key: hub.publicKey, name: 'hub' }]);
  t.match(store.get(hub.nodeId), { name: 'hub', source: 'config' });
  await t.rejects(store.remove('hub'), { code: ErrorCodes.CLI_USAGE });
});

t.test('a running node sees keys added by another process once trust.json changes', async (t) => {
  const dir = tempDir(t);
  let now = 1_000_000;
  const running = await TrustStore.open(dir, [], () => now);
  const other = await TrustStore.open(dir);
  const edge = key();
  await other.add(edge.publicKey, 'edge', 'nself');
  utimesSync(join(dir, 'trust.json'), new Date(), new Date(Date.now() + 5000));
  t.notOk(running.isTrusted(edge.nodeId), 'not before it looks');
  now += 2000;
  await running.refresh();
  t.ok(running.isTrusted(edge.nodeId), 'after a refresh');
});

t.test('a damaged trust.json is a corrupt file naming it', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'trust.json'), '{"version": 7}');
  await t.rejects(TrustStore.open(dir), { code: ErrorCodes.FILE_CORRUPT, message: /trust\.json/ });
});
