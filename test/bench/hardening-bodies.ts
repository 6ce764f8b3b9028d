/**
 * Hardening benchmark, bodies part (issue 9, item 1): peak RSS of a node while 20 unauthenticated
 * clients each send a 256 MB body, and while 20 clients claiming a trusted node's id send 256 MB
 * each with wrong signatures (--quick: 5 clients, 32 MB each).
 *
 *   node --import tsx test/bench/hardening-bodies.ts [--quick]
 *
 * The node is a real `smollama start` (from source, system sensors on, MQTT and the observer off)
 * in a temp data dir, on 127.0.0.1 with http.openOnLoopback false, so the local clients count as the
 * LAN; it trusts one other node's key. Its VmRSS is read from /proc every 10 ms. The clients stream
 * their bodies from a generator (64 KiB at a time, with backpressure), all at once: unsigned to
 * /sync/push and /sync/pull and tokenless to /v1/chat/completions (a third each), then the forged
 * v2 signatures to /sync/push. "onWire" is what the clients' sockets accepted before the node closed
 * them (most of it sits in kernel buffers, never read by the node).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { flood, rssMb, sampleRss, type FloodResult } from '../helpers/body-flood.js';

const MB = 1024 * 1024;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Issue 9's target: hostile clients together raise the node's RSS by at most 32 MB. */
export const TARGETS = {
  unauthenticatedRssRiseMB: { target: 32, better: 'lower' as const },
  wrongSignatureRssRiseMB: { target: 32, better: 'lower' as const },
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the floods at once while sampling the node's RSS; the rise is over the RSS just before. */
async function round(pid: number, floods: Array<() => Promise<FloodResult>>): Promise<{ before: number; peak: number; results: FloodResult[] }> {
  const before = rssMb(pid) ?? NaN;
  const sampler = sampleRss(pid);
  const results = await Promise.all(floods.map((f) => f()));
  await pause(200);
  const peak = sampler.stop() ?? NaN;
  return { before, peak, results };
}

function describe(results: FloodResult[]): string {
  const statuses = new Map<string, number>();
  for (const r of results) {
    const key = r.status ? `${r.status} ${r.code ?? ''}`.trim() : 'closed without an answer';
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return [...statuses].map(([k, n]) => `${n}× ${k}`).join(', ');
}

export async function run(opts: { quick: boolean }): Promise<Record<string, number | string>> {
  const clients = opts.quick ? 5 : 20;
  const bytes = (opts.quick ? 32 : 256) * MB;
  const root = mkdtempSync(join(tmpdir(), 'smollama-hardening-bodies-'));
  const figures: Record<string, number | string> = { clients, bodyMB: bytes / MB };
  let child: ReturnType<typeof spawnCli> | undefined;
  try {
    // A second node's identity, for the trust list: its id is what the forgers claim.
    const shown = await runCli(['trust', 'show', '--json', '--data-dir', join(root, 'peer')]);
    if (shown.code !== 0) throw new Error(`trust show failed: ${shown.stderr}`);
    const peer = JSON.parse(shown.stdout) as { nodeId: string; publicKey: string };
    const port = await freePort();
    const config = {
      node: { name: 'bench', role: 'alpaca' },
      dataDir: join(root, 'node'),
      sensors: { system: { enabled: true }, gpio: { enabled: true, mode: 'simulated' } },
      http: { host: '127.0.0.1', port, openOnLoopback: false },
      mqtt: { enabled: false },
      observer: { enabled: false },
      sync: { cluster: 'bench', trusted: [{ key: peer.publicKey, name: 'peer' }] },
    };
    const file = join(root, 'node.yaml');
    writeFileSync(file, YAML.stringify(config));
    child = spawnCli(['start', '--config', file]);
    child.stderr?.resume();
    await waitForOutput(child, /dashboard: /, 120_000);
    const pid = child.pid!;
    const segment = { 'content-type': 'application/x-smollama-segment' };
    // Warm-up: the first refusals load the code the floods would otherwise be blamed for.
    for (let i = 0; i < 5; i++) await flood({ port, path: '/sync/push', headers: segment, bytes: MB, timeoutMs: 10_000 });
    await pause(500);
    figures.rssBaselineMB = round1(rssMb(pid) ?? NaN);

    const targets = [
      { path: '/sync/push', headers: segment },
      { path: '/sync/pull', headers: { 'content-type': 'application/json' } },
      { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' } },
    ];
    const unauth = await round(pid, Array.from({ length: clients }, (_, i) => () => flood({ port, ...targets[i % targets.length]!, bytes, timeoutMs: 120_000 })));
    figures.unauthenticatedRssPeakMB = round1(unauth.peak);
    figures.unauthenticatedRssRiseMB = round1(unauth.peak - unauth.before);
    figures.unauthenticatedOnWireMaxMB = round1(Math.max(...unauth.results.map((r) => r.written)) / MB);
    figures.unauthenticatedAnswers = describe(unauth.results);

    await pause(500);
    const forged = (i: number) => `v2 node=${peer.nodeId} ts=${Date.now()} nonce=${i.toString(16).padStart(32, '0')} len=${bytes} sha256=${'0'.repeat(64)} sig=${'A'.repeat(86)}`;
    const wrong = await round(pid, Array.from({ length: clients }, (_, i) => () => flood({ port, path: '/sync/push', headers: { ...segment, 'x-smollama-sync': forged(i) }, bytes, timeoutMs: 120_000 })));
    figures.wrongSignatureRssPeakMB = round1(wrong.peak);
    figures.wrongSignatureRssRiseMB = round1(wrong.peak - wrong.before);
    figures.wrongSignatureOnWireMaxMB = round1(Math.max(...wrong.results.map((r) => r.written)) / MB);
    figures.wrongSignatureAnswers = describe(wrong.results);
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, pause(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}: ${v}\n`);
}
