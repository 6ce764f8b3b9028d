import t from 'tap';
import { createServer, connect, type Server, type Socket } from 'node:net';
import Fastify from 'fastify';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes } from '../core/errors.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { SyncClient } from '../adapters/sync/http-client.js';
import { syncPlugin } from '../adapters/http/routes/sync.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { tempDir } from './helpers/temp-dir.js';
import { appendReadings, testNode } from './helpers/segment-fixtures.js';
import { steadyWriter } from './helpers/steady-writer.js';

/** A TCP proxy that cuts every connection once `budget` bytes have come back from the server. */
function cuttingProxy(target: number): { server: Server; port: () => number; cutAfter: (bytes: number) => void; cuts: () => number } {
  let budget = Infinity;
  let cuts = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (chunk.length >= budget) {
        client.write(chunk.subarray(0, Math.max(0, budget)));
        budget = Infinity;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      budget -= chunk.length;
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  return {
    server,
    port: () => {
      const a = server.address();
      return typeof a === 'object' && a ? a.port : 0;
    },
    cutAfter: (bytes) => void (budget = bytes),
    cuts: () => cuts,
  };
}

t.test('a connection cut mid-sync loses only the segment in flight; the next round resumes, while both sides keep appending', async (t) => {
  const hubNode = await testNode(200);
  const edgeNode = await testNode(200);
  const config = syncSection.parse({ cluster: 'resume', maxSegmentEvents: 1000 });
  const hub = await SyncService.open(hubNode.journal, tempDir(t), config, createRegistry());
  const edge = await SyncService.open(edgeNode.journal, tempDir(t), config, createRegistry());
  await hub.trust.add(edgeNode.journal.publicKey, 'edge', hubNode.journal.nodeId);
  await edge.trust.add(hubNode.journal.publicKey, 'hub', edgeNode.journal.nodeId);
  await appendReadings(hubNode, 6000);
  const app = Fastify();
  await app.register(async (scope) => syncPlugin(scope, { service: hub }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const proxy = cuttingProxy(typeof address === 'object' && address ? address.port : 0);
  await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', () => r()));
  const client = new SyncClient(edge, { timeoutMs: 5000 });
  t.teardown(async () => {
    client.close();
    proxy.server.close();
    await app.close();
  });
  const target = { name: 'hub', url: `http://127.0.0.1:${proxy.port()}` };

  // Appends go on on both sides the whole time.
  const appenders = [hubNode, edgeNode].map((n, i) => steadyWriter(async (k) => void (await n.journal.append([{ type: 'reading.sampled', data: { values: { [`side${i}`]: k } } }])), 5));

  // Let about three segments through, then cut the connection.
  proxy.cutAfter(30_000);
  const err = await client.syncWith(target).then(() => undefined, (e: unknown) => e);
  t.match(err, { code: ErrorCodes.SYNC_PEER_FAILED }, 'the cut round fails with a stable code');
  t.equal(proxy.cuts(), 1);
  const afterCut = edgeNode.journal.vector()[hubNode.journal.nodeId] ?? 0;
  t.ok(afterCut >= 1000, `segments that arrived before the cut were kept (${afterCut} events)`);

  const resumed = await client.syncWith(target);
  t.ok(resumed.received < 6000 + 200 - afterCut + 500, `the next round brought only the rest (${resumed.received} events)`);
  await Promise.all(appenders.map((a) => a.stop()));
  await hubNode.journal.seal();
  await edgeNode.journal.seal();
  await client.syncWith(target);
  t.same(edgeNode.journal.vector(), hubNode.journal.vector(), 'a last round after the appends stop converges');
});
