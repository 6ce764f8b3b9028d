import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { loadOrCreateTokens, tokensPath } from '../adapters/http/auth/tokens.js';
import { tempDir } from './helpers/temp-dir.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const started = (n: number) => Array.from({ length: n }, () => ({ type: 'reading.sampled' as const, data: { values: { 't.temp': 21.5 } } }));

/** The journal's files that contain the private key, in its meta form (base64 PKCS#8) or as raw DER bytes. */
function filesHoldingKey(journalDir: string, pkcs8Base64: string): string[] {
  const der = Buffer.from(pkcs8Base64, 'base64');
  return readdirSync(journalDir).filter((name) => {
    const bytes = readFileSync(join(journalDir, name));
    return bytes.includes(pkcs8Base64) || bytes.includes(der);
  });
}

const pkcs8Of = (pem: string) => createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }).toString('base64');

t.test('a new node keeps its private key in node.key (0600) in a 0700 directory, never in LevelDB', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const journal = await openDataDirJournal(dataDir, { warn: (line) => t.fail(line) });
  await journal.append(started(10));
  await journal.seal();
  const nodeId = journal.nodeId;
  await journal.close();

  t.equal(mode(dataDir), 0o700, 'the data directory is 0700');
  const keyFile = join(dataDir, 'node.key');
  t.equal(mode(keyFile), 0o600, 'node.key is 0600');
  t.same(filesHoldingKey(join(dataDir, 'journal'), pkcs8Of(readFileSync(keyFile, 'utf8'))), [], 'no LevelDB file holds the private key');
  const again = await openDataDirJournal(dataDir);
  t.equal(again.nodeId, nodeId, 'the same node after a restart');
  await again.close();
  await loadOrCreateTokens(dataDir);
  t.equal(mode(tokensPath(dataDir)), 0o600, 'http-tokens.json is 0600');
});

t.test('an old journal whose meta holds the private key has it moved to node.key and out of every LevelDB file', async (t) => {
  const dataDir = tempDir(t);
  // The layout before: openLevelJournal without a key store keeps the key in the meta sublevel.
  const old = await openLevelJournal(join(dataDir, 'journal'));
  await old.append(started(50));
  const meta = old.database.sublevel<string, { privateKeyPkcs8?: string }>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const pkcs8 = (await meta.get('identity'))!.privateKeyPkcs8!;
  const nodeId = old.nodeId;
  await old.close();
  t.not(filesHoldingKey(join(dataDir, 'journal'), pkcs8).length, 0, 'before: the key is in the journal files');

  const migrated = await openDataDirJournal(dataDir, { warn: () => undefined });
  t.equal(migrated.nodeId, nodeId, 'the same node');
  t.equal(migrated.lastPosition(), 50, 'its history kept');
  await migrated.append(started(1));
  await migrated.seal();
  await migrated.close();
  t.equal(pkcs8Of(readFileSync(join(dataDir, 'node.key'), 'utf8')), pkcs8, 'node.key holds the same key');
  t.equal(mode(join(dataDir, 'node.key')), 0o600);
  t.same(filesHoldingKey(join(dataDir, 'journal'), pkcs8), [], 'after: no LevelDB file holds it');
});

t.test('a crash after node.key was written but before meta forgot the key loses nothing', async (t) => {
  const dataDir = tempDir(t);
  const old = await openLevelJournal(join(dataDir, 'journal'));
  await old.append(started(5));
  const meta = old.database.sublevel<string, { privateKeyPkcs8: string }>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const pkcs8 = (await meta.get('identity'))!.privateKeyPkcs8;
  const nodeId = old.nodeId;
  await old.close();
  const pem = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
  writeFileSync(join(dataDir, 'node.key'), pem, { mode: 0o600 });

  const j = await openDataDirJournal(dataDir, { warn: () => undefined });
  t.equal(j.nodeId, nodeId);
  await j.close();
  t.same(filesHoldingKey(join(dataDir, 'journal'), pkcs8), []);
});

t.test('a journal whose node.key is missing, damaged or another node\'s is refused and no key is made', async (t) => {
  const dataDir = tempDir(t);
  const first = await openDataDirJournal(dataDir);
  await first.append(started(3));
  await first.close();
  const keyFile = join(dataDir, 'node.key');

  writeFileSync(keyFile, 'not a key\n', { mode: 0o600 });
  await t.rejects(openDataDirJournal(dataDir), { code: ErrorCodes.FILE_CORRUPT, message: /node\.key/ }, 'garbage: SMOL_FILE_CORRUPT naming the file');
  t.equal(readFileSync(keyFile, 'utf8'), 'not a key\n', 'and it is left as it was');

  const other = tempDir(t);
  await (await openDataDirJournal(other)).close();
  writeFileSync(keyFile, readFileSync(join(other, 'node.key')), { mode: 0o600 });
  await t.rejects(openDataDirJournal(dataDir), { code: ErrorCodes.JOURNAL_CORRUPT }, "another node's key");

  rmSync(keyFile);
  await t.rejects(openDataDirJournal(dataDir), { code: ErrorCodes.JOURNAL_CORRUPT, message: /node\.key/ }, 'missing: SMOL_JOURNAL_CORRUPT');
  t.notOk(readdirSync(dataDir).includes('node.key'), 'no new key was made');
});

t.test('start checks tighten a wider data directory and secret files, saying so once with SMOL_FILE_PERMISSIONS', async (t) => {
  const dataDir = join(tempDir(t), 'wide');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  await (await openDataDirJournal(dataDir, { warn: () => undefined })).close();
  await loadOrCreateTokens(dataDir);
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'node.key'), 0o644);
  chmodSync(tokensPath(dataDir), 0o640);

  const warnings: string[] = [];
  await (await openDataDirJournal(dataDir, { warn: (line) => warnings.push(line) })).close();
  t.equal(warnings.length, 3, warnings.join('\n'));
  t.ok(warnings.every((w) => w.includes(ErrorCodes.FILE_PERMISSIONS)), 'each carries the code');
  t.equal(mode(dataDir), 0o700);
  t.equal(mode(join(dataDir, 'node.key')), 0o600);
  t.equal(mode(tokensPath(dataDir)), 0o600);

  const later: string[] = [];
  await (await openDataDirJournal(dataDir, { warn: (line) => later.push(line) })).close();
  t.same(later, [], 'said once: nothing to say the next time');
});
