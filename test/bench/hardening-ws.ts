/**
 * Hardening benchmark, WebSocket part (issue 9, item 12): peak RSS of a node while one client sends
 * 1,000 subscribes from position 1 on one connection, and its RSS after the client has left.
 *
 *   node --import tsx test/bench/hardening-ws.ts [--quick]
 *
 * The node (a LevelDB journal of 100,000 readings, --quick 20,000, and its HTTP app) runs in a child
 * process (test/helpers/ws-node-child.ts); its VmRSS is read from /proc every 20 ms. The client
 * sends the subscribes in one burst, then waits until the last one has caught up to `live` and
 * closes. Traffic goes to 127.0.0.1 only; everything lives in a temp directory removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillReadings, subscribeBurst, type Memory, type SubscribeBurst } from '../helpers/ws-node-process.js';

const MB = 1024 * 1024;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function run(opts: { quick: boolean }): Promise<Record<string, number | string>> {
  const events = opts.quick ? 20_000 : 100_000;
  const subscribes = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'smollama-hardening-ws-'));
  const figures: Record<string, number | string> = { journalEvents: events, subscribes };
  try {
    const journalDir = join(dir, 'journal');
    await fillReadings(journalDir, events);
    // The reference: one client catching up once from position 1 (what any dashboard may do).
    const one = await subscribeBurst(journalDir, 1);
    const burst = await subscribeBurst(journalDir, subscribes);
    const rise = (b: SubscribeBurst, at: 'peak' | 'after', part: keyof Memory) => round1((b[at][part] - b.base[part]) / MB);
    figures.rssBaselineMB = round1(burst.base.rss / MB);
    figures.rssPeakRiseMB = rise(burst, 'peak', 'rss');
    figures.rssAfterLeaveRiseMB = rise(burst, 'after', 'rss');
    figures.rssAnonPeakRiseMB = rise(burst, 'peak', 'anon');
    figures.rssAnonAfterLeaveRiseMB = rise(burst, 'after', 'anon');
    figures.rssPeakRiseOneSubscribeMB = rise(one, 'peak', 'rss');
    figures.rssAfterLeaveRiseOneSubscribeMB = rise(one, 'after', 'rss');
    figures.rssAnonPeakRiseOneSubscribeMB = rise(one, 'peak', 'anon');
    figures.lastCaughtUpMs = burst.caughtUpMs;
    figures.subscribedAnswers = burst.answered;
    figures.errorAnswers = burst.errors;
    figures.journalLastPosition = burst.lastPosition;
    figures.eventsReceived = burst.received;
    figures.closedByNode = burst.closeCode ?? 'no';
    figures.subscriptionsHeld = burst.held?.subscriptions ?? 'not reported';
    figures.subscriptionsAfterLeave = burst.left?.subscriptions ?? 'not reported';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  for (const [name, value] of Object.entries(figures)) process.stdout.write(`${name.padEnd(32)} ${value}\n`);
}
