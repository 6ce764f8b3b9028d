import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { TrustStore } from '../adapters/sync/trust-store.js';
import { loadOrCreateTokens, readTokens, tokensPath } from '../adapters/http/auth/tokens.js';
import { readCursor, writeCursor } from '../adapters/mqtt/cursor-file.js';
import { readNodeKeyFile, writeNodeKeyFile } from '../adapters/sync/node-key-file.js';
import { PeerState } from '../adapters/sync/peer-state.js';
import { readStatusFile } from '../adapters/cli/data-dir.js';
import { writeFileAtomic } from '../adapters/files/atomic-file.js';
import { tempDir } from './helpers/temp-dir.js';

const GARBAGE = '{"version": 1, "keys": [ oops';

/** Writes garbage to `name`, runs `read`, and checks it fails with SMOL_FILE_CORRUPT naming the file, which is left untouched. */
async function refusesGarbage(t: Test, dir: string, name: string, read: () => Promise<unknown>, text = GARBAGE): Promise<void> {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  const before = statSync(path).mtimeMs;
  await t.rejects(read(), { code: ErrorCodes.FILE_CORRUPT, message: new RegExp(name.replace(/[./]/g, '\\$&')) }, `${name}: SMOL_FILE_CORRUPT naming it`);
  t.equal(readFileSync(path, 'utf8'), text, `${name} is left as it was`);
  t.equal(statSync(path).mtimeMs, before);
}

t.test('a garbage trust.json is SMOL_FILE_CORRUPT, not a SyntaxError', async (t) => {
  const dir = tempDir(t);
  await refusesGarbage(t, dir, 'trust.json', () => TrustStore.open(dir));
  await refusesGarbage(t, dir, 'trust.json', () => TrustStore.open(dir), '{"version":1,"keys":[{"publicKey":"short","name":null,"addedAt":"x"}]}');
});

t.test('a garbage http-tokens.json is refused, never replaced by new tokens', async (t) => {
  const dir = tempDir(t);
  await refusesGarbage(t, dir, 'http-tokens.json', () => loadOrCreateTokens(dir));
  await refusesGarbage(t, dir, 'http-tokens.json', () => readTokens(dir), '{"read": "x"}');
  t.same(readdirSync(dir), ['http-tokens.json'], 'no other token file either');
});

t.test('a garbage mqtt-position.json is refused rather than guessed', async (t) => {
  const dir = tempDir(t);
  await refusesGarbage(t, dir, 'mqtt-position.json', () => readCursor(join(dir, 'mqtt-position.json')));
  await refusesGarbage(t, dir, 'mqtt-position.json', () => readCursor(join(dir, 'mqtt-position.json')), '{"position": -4}');
});

t.test('node-key.json, status.json and sync/peers.json are refused when damaged', async (t) => {
  const dir = tempDir(t);
  await refusesGarbage(t, dir, 'node-key.json', () => readNodeKeyFile(dir));
  await refusesGarbage(t, dir, 'node-key.json', () => writeNodeKeyFile(dir, 'naaaaaaaaaaaaaaaaaaaa', 'A'.repeat(43)));
  await refusesGarbage(t, dir, 'status.json', () => readStatusFile(dir));
  await refusesGarbage(t, dir, 'sync/peers.json', () => PeerState.open(dir));
});

t.test('missing side files are simply absent', async (t) => {
  const dir = tempDir(t);
  t.equal(await readTokens(dir), undefined);
  t.equal(await readCursor(join(dir, 'mqtt-position.json')), undefined);
  t.equal(await readNodeKeyFile(dir), undefined);
  t.equal(await readStatusFile(dir), undefined);
  t.same((await TrustStore.open(dir)).list(), []);
  const tokens = await loadOrCreateTokens(dir);
  t.same(await loadOrCreateTokens(dir), tokens, 'created once, then kept');
  t.equal(statSync(tokensPath(dir)).mode & 0o777, 0o600);
});

t.test('overlapping saves of the cursor file never fail and leave the last position', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'mqtt-position.json');
  const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => writeCursor(path, i + 1)));
  t.same(results.filter((r) => r.status === 'rejected'), [], 'every save succeeded');
  t.equal(await readCursor(path), 200, 'the last call wins');
  t.same(readdirSync(dir), ['mqtt-position.json'], 'no temp file left behind');
});

t.test('an atomic write that fails leaves the old file and no temp file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'x.json');
  await writeFileAtomic(path, 'old', { mode: 0o600 });
  t.equal(statSync(path).mode & 0o777, 0o600);
  // A directory where the file should go makes the rename fail.
  const blocked = join(dir, 'blocked');
  mkdirSync(blocked);
  writeFileSync(join(blocked, 'child'), '');
  await t.rejects(writeFileAtomic(blocked, 'new'));
  t.same(readdirSync(dir).sort(), ['blocked', 'x.json']);
  t.equal(readFileSync(path, 'utf8'), 'old');
});
