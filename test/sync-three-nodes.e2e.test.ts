import t from 'tap';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { runCli, spawnCli, waitForOutput, collect } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}


t.test('a hub and two edges, as real processes on 127.0.0.1, converge to the same vectors and projections', async (t) => {
  const root = tempDir(t, 'smollama-sync-e2e-');
  const names = ['hub', 'edge-1', 'edge-2'] as const;
  const dirs = Object.fromEntries(names.map((n) => [n, join(root, n)])) as Record<(typeof names)[number], string>;
  // Each node gets its identity (trust show creates it), then some history written offline.
  const keys: Record<string, { nodeId: string; publicKey: string }> = {};
  for (const n of names) {
    const shown = await runCli(['trust', 'show', '--json', '--data-dir', dirs[n]]);
    t.equal(shown.code, 0, shown.stderr);
    keys[n] = JSON.parse(shown.stdout);
    const journal = await openDataDirJournal(dirs[n]!, { sync: false }); // trust show made it, key in node.key
    t.equal(journal.nodeId, keys[n]!.nodeId);
    for (let i = 0; i < 3; i++) {
      await journal.append(Array.from({ length: 1000 }, (_, j) => ({ type: 'reading.sampled', data: { values: { [`${n}.temp`]: 20 + ((i * 1000 + j) % 50) / 10 } } })));
    }
    await journal.close();
  }
  const ports = { hub: await freePort(), 'edge-1': await freePort(), 'edge-2': await freePort() };
  const hubUrl = `http://127.0.0.1:${ports.hub}`;
  const configFor = (n: (typeof names)[number]) => ({
    node: { name: n, role: n === 'hub' ? 'llama' : 'alpaca' },
    dataDir: dirs[n],
    sensors: { system: { enabled: true, intervalMs: 3_600_000 }, gpio: { enabled: false } },
    http: { host: '127.0.0.1', port: ports[n] },
    mqtt: { enabled: false },
    observer: { enabled: false },
    sync: {
      cluster: 'e2e',
      trusted: n === 'hub' ? [{ key: keys['edge-1']!.publicKey, name: 'edge-1' }, { key: keys['edge-2']!.publicKey, name: 'edge-2' }] : [{ key: keys['hub']!.publicKey, name: 'hub' }],
      peers: n === 'hub' ? [] : [{ name: 'hub', url: hubUrl }],
      intervalMs: 300,
      maxBackoffMs: 2000,
      maxSegmentEvents: 1000,
      sealMinIntervalMs: 200,
    },
  });
  const children = names.map((n) => {
    const file = join(root, `${n}.yaml`);
    writeFileSync(file, YAML.stringify(configFor(n)));
    return { name: n, child: spawnCli(['start', '--config', file]) };
  });
  t.teardown(() => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  });
  for (const c of children) await waitForOutput(c.child, /dashboard: /, 60_000);

  const status = (n: (typeof names)[number]) => getJson(`http://127.0.0.1:${ports[n]}/sync/status`);
  let vectors: Array<Record<string, number>> = [];
  let stableSince = 0;
  // Converged = the same complete vector on all three, unchanged for 2 s.
  await waitFor(
    async () => {
      vectors = (await Promise.all(names.map(status))).map((s) => s.vector);
      const same = vectors.every((v) => JSON.stringify(sortKeys(v)) === JSON.stringify(sortKeys(vectors[0]!)));
      const complete = Object.keys(vectors[0]!).length === 3;
      if (!same || !complete) stableSince = 0;
      else stableSince ||= Date.now();
      return stableSince > 0 && Date.now() - stableSince > 2000;
    },
    { timeoutMs: 90_000, intervalMs: 250, message: 'the three vectors to converge' },
  ).catch((err: unknown) => t.fail(`${(err as Error).message}: ${JSON.stringify(vectors)}`));
  for (const n of names) t.ok((vectors[0]![keys[n]!.nodeId] ?? 0) > 3000, `every node holds ${n}'s history`);

  // Projections catch up asynchronously: compare once they have.
  const view = async (n: (typeof names)[number]) => {
    const nodes = await getJson(`http://127.0.0.1:${ports[n]}/api/nodes`);
    const sources = await getJson(`http://127.0.0.1:${ports[n]}/api/readings/sources`);
    // lastSeen is when each node itself received an origin's newest event: local by design (claimedLastSeen is shared).
    type Shown = { self: boolean; lastSeen: number; lastSeenBy: string };
    return JSON.stringify({ nodes: nodes.nodes.map(({ self: _self, lastSeen: _local, lastSeenBy: _by, ...rest }: Shown) => rest), sources });
  };
  let views: string[] = [];
  await waitFor(
    async () => {
      views = await Promise.all(names.map(view));
      return views.every((v) => v === views[0]);
    },
    { timeoutMs: 10_000, intervalMs: 250, message: 'the three views to agree' },
  ).catch(() => undefined); // the assertions below show how they differ
  t.equal(views[1], views[0], 'edge-1 shows the same nodes and sources as the hub');
  t.equal(views[2], views[0], 'edge-2 shows the same nodes and sources as the hub');
  const hubNodes = JSON.parse(views[0]!).nodes as Array<{ origin: string; syncPeers: Record<string, { vector: Record<string, number> }> }>;
  const edge1 = hubNodes.find((n) => n.origin === keys['edge-1']!.nodeId);
  t.ok(edge1?.syncPeers[keys['hub']!.nodeId], 'the nodes view shows what edge-1 reported about syncing with the hub');

  for (const c of children) c.child.kill('SIGTERM');
  const exits = await Promise.all(children.map((c) => collect(c.child)));
  for (const e of exits) t.equal(e.code, 0, e.stderr.slice(-500));
  for (const n of names) {
    const verified = await runCli(['journal', 'verify', '--data-dir', dirs[n]]);
    t.equal(verified.code, 0, `${n}: ${verified.stdout}${verified.stderr}`);
    t.match(verified.stdout, /in 3 feed\(s\) verified/);
  }
});

function sortKeys(v: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
}
