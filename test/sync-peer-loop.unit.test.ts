import t from 'tap';
import { nextDelay } from '../core/sync/backoff.js';
import { SmolError, ErrorCodes } from '../core/errors.js';
import { PeerLoop } from '../adapters/sync/peer-loop.js';
import type { RoundResult, SyncClient } from '../adapters/sync/http-client.js';
import type { SyncService } from '../adapters/sync/sync-service.js';

t.test('backoff: the interval ±10 % after success, doubling with equal jitter after failures, capped', async (t) => {
  const p = { intervalMs: 1000, maxBackoffMs: 60_000 };
  t.equal(nextDelay(p, 0, 0), 900);
  t.equal(nextDelay(p, 0, 0.999_999), 1100);
  t.equal(nextDelay(p, 1, 0), 1000, 'half of 2 × interval, no jitter');
  t.equal(nextDelay(p, 1, 0.999_999), 2000);
  t.equal(nextDelay(p, 3, 0.5), 6000, '8 s base: 4 s fixed + half of 4 s');
  t.equal(nextDelay(p, 20, 0.999_999), 60_000, 'capped');
  t.equal(nextDelay(p, 1000, 0), 30_000, 'no overflow after very many failures');
});

function round(substantive: number): RoundResult {
  return { peer: 'nhub', received: substantive, sent: 0, bytesSent: 10, bytesReceived: 20, requests: 1, peerVector: { nhub: 3 }, clockOffsetMs: 5, durationMs: 1, held: 0, substantive };
}

t.test('the loop syncs, backs off while the peer fails, journals a failure once per kind, and completions only when news moved', async (t) => {
  const appended: Array<{ type: string; data: any }> = [];
  const service = {
    journal: { appendOne: async (type: string, data: unknown) => void appended.push({ type, data }) },
    trust: { find: () => ({ nodeId: 'nhub' }) },
  } as unknown as SyncService;
  const script: Array<RoundResult | SmolError> = [
    round(5),
    round(0),
    new SmolError(ErrorCodes.SYNC_PEER_FAILED, 'refused'),
    new SmolError(ErrorCodes.SYNC_PEER_FAILED, 'refused'),
    new SmolError(ErrorCodes.UNTRUSTED_NODE, 'not trusted'),
    round(0),
  ];
  const delays: number[] = [];
  let calls = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const client = {
    syncWith: async () => {
      const next = script[calls++];
      if (calls === script.length) finish();
      if (!next) return round(0);
      if (next instanceof SmolError) throw next;
      return next;
    },
    close: () => undefined,
  } as unknown as SyncClient;
  const loop = new PeerLoop(service, client, [{ name: 'hub', url: 'http://hub' }], {
    intervalMs: 1000,
    maxBackoffMs: 8000,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      await new Promise((r) => setImmediate(r));
    },
  });
  loop.start();
  await finished;
  await loop.stop();
  t.same(delays.slice(0, 5), [1000, 1000, 1500, 3000, 6000], 'the interval, then 2×, 4×, 8× with equal jitter while failing');
  t.same(appended.map((e) => e.type), ['sync.completed', 'sync.failed', 'sync.failed'], 'one completion (the round with news), one failure per kind');
  t.match(appended[0]!.data, { peer: 'nhub', peerName: 'hub', via: 'http', received: 5, peerVector: { nhub: 3 }, clockOffsetMs: 5 });
  t.match(appended[1]!.data, { peer: 'nhub', code: ErrorCodes.SYNC_PEER_FAILED, attempts: 1 });
  t.match(appended[2]!.data, { code: ErrorCodes.UNTRUSTED_NODE, attempts: 3 });
  t.match(loop.status.get('hub'), { failures: 0, lastError: null, peer: 'nhub' });
});
