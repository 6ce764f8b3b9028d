import t, { type Test } from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

t.setTimeout(600_000);

async function seed(dir: string, n: number, tag: string): Promise<Record<string, number>> {
  const journal = await openDataDirJournal(dir, { sync: false }); // as the CLI opens it: key in node.key
  for (let i = 0; i < n; i += 500) {
    await journal.append(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ type: 'reading.sampled', data: { values: { [`${tag}.temp`]: (i + j) % 40 } } })));
  }
  // A node seals its feed when it stops; a journal written by hand must do the same to be exported whole.
  await journal.seal();
  const vector = journal.vector();
  await journal.close();
  return vector;
}

async function cli(t: Test, args: string[], expectCode = 0): Promise<string> {
  const r = await runCli(args);
  t.equal(r.code, expectCode, `smollama ${args.join(' ')} exits ${expectCode}${r.code === expectCode ? '' : `: ${r.stderr}${r.stdout}`}`);
  return r.stdout + r.stderr;
}

const vectorOf = async (t: Test, dir: string) => JSON.parse(await cli(t, ['journal', 'vector', '--data-dir', dir])).vector as Record<string, number>;

t.test('USB by the CLI: a relay A → stick → B → stick → C, held segments, and a damaged file', async (t) => {
  const root = tempDir(t, 'smollama-usb-');
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => join(root, n)) as [string, string, string, string];
  const keys: Record<string, { nodeId: string; publicKey: string }> = {};
  for (const [name, dir] of Object.entries({ a, b, c, d })) keys[name] = JSON.parse(await cli(t, ['trust', 'show', '--json', '--data-dir', dir]));
  await seed(a, 1500, 'a');
  await seed(b, 20, 'b');
  await cli(t, ['trust', 'add', keys['a']!.publicKey, '--name', 'node-a', '--data-dir', b]);
  await cli(t, ['trust', 'add', keys['b']!.publicKey, '--name', 'node-b', '--data-dir', c]);
  await cli(t, ['trust', 'add', keys['a']!.publicKey, '--name', 'node-a', '--data-dir', d]);
  t.match(await cli(t, ['trust', 'list', '--data-dir', b]), /node-a\s+n[a-z2-7]{20}/);

  // A → B
  const ab = join(root, 'stick', 'a-to-b');
  mkdirSync(ab, { recursive: true });
  await cli(t, ['journal', 'vector', '--data-dir', b, '--out', ab]);
  const exported = await cli(t, ['journal', 'export', '--for', join(ab, `vector-${keys['b']!.nodeId}.json`), '--out', ab, '--data-dir', a]);
  t.match(exported, /wrote .*\.smolseg: \d+ events/);
  t.match(await cli(t, ['journal', 'import', ab, '--data-dir', b]), /applied/);
  t.match(await cli(t, ['journal', 'import', ab, '--data-dir', b]), /SMOL_SEGMENT_REPLAYED/, 'a second import of the same stick changes nothing');

  // B → C: C trusts only B, and still gets A's events, verifiable as A's.
  const bc = join(root, 'stick', 'b-to-c');
  mkdirSync(bc, { recursive: true });
  await cli(t, ['journal', 'export', '--all', '--out', bc, '--data-dir', b]);
  await cli(t, ['journal', 'import', bc, '--data-dir', c]);
  const va = await vectorOf(t, a);
  const vc = await vectorOf(t, c);
  t.equal(vc[keys['a']!.nodeId], va[keys['a']!.nodeId], 'C holds all of A');
  t.match(await cli(t, ['journal', 'verify', '--data-dir', c]), /ok: .* in 3 feed\(s\) verified/, 'A, B and C feeds all verify on C');

  // Out of order: the second half reaches D before the first.
  const first = join(root, 'stick', 'first.smolseg');
  await cli(t, ['journal', 'export', '--all', '--out', first, '--data-dir', a]);
  await cli(t, ['journal', 'vector', '--out', join(root, 'stick', 'a-then.json'), '--data-dir', a]);
  await seed(a, 700, 'a2');
  const second = join(root, 'stick', 'second.smolseg');
  await cli(t, ['journal', 'export', '--for', join(root, 'stick', 'a-then.json'), '--out', second, '--data-dir', a]);
  t.match(await cli(t, ['journal', 'import', second, '--data-dir', d]), /held .*SMOL_SEGMENT_GAP.*\n.*1 held/);
  t.same(await vectorOf(t, d), {}, 'nothing applied while the gap is open');
  t.equal(readdirSync(join(d, 'sync', 'pending')).length, 1, 'the held segment is kept in the pending area');

  // A damaged copy of the first half is refused in one line and changes nothing.
  const damaged = join(root, 'stick', 'damaged.smolseg');
  const bytes = readFileSync(first);
  const mid = Math.floor(bytes.length / 2);
  bytes[mid] = bytes[mid]! ^ 0xff;
  writeFileSync(damaged, bytes);
  t.match(await cli(t, ['journal', 'import', damaged, '--data-dir', d], 1), /failed .*SMOL_SEGMENT_CHECKSUM/);
  writeFileSync(damaged, readFileSync(first).subarray(0, 300));
  t.match(await cli(t, ['journal', 'import', damaged, '--data-dir', d], 1), /failed .*SMOL_SEGMENT_TRUNCATED/);
  t.same(await vectorOf(t, d), {}, 'still nothing applied');

  // The first half arrives: it applies, and so does the held second half.
  const done = await cli(t, ['journal', 'import', first, '--data-dir', d]);
  t.match(done, /0 held/);
  t.equal((await vectorOf(t, d))[keys['a']!.nodeId], (await vectorOf(t, a))[keys['a']!.nodeId], 'D holds all of A');
  t.same(readdirSync(join(d, 'sync', 'pending')), [], 'the pending area is empty again');
});
