/**
 * A stand-in for adapters/vectors/bulk-worker.ts: the real worker, failing at a chosen batch of
 * operations. `?mode=throw` throws (the worker's `error` event), `?mode=exit` ends the thread with
 * code 3; `&shard=S` fails only a worker holding shard S (the others build on), `&after=N` lets N
 * such batches through first (default 0: the first fails).
 */
import { parentPort } from 'node:worker_threads';
// Imported first, so its listener is attached before any message is dispatched: with an `await
// import` after our listener, a message could arrive while it loads and nobody would handle it.
import '../../adapters/vectors/bulk-worker.js';

const params = new URL(import.meta.url).searchParams;
const mode = params.get('mode') ?? 'throw';
const shard = params.get('shard');
let after = Number(params.get('after') ?? 0);
// Runs after the real worker's listener: the failing batch is applied, then the worker fails.
parentPort!.on('message', (msg: { type: string; groups?: Array<{ key: string }> }) => {
  if (msg.type !== 'ops') return;
  if (shard !== null && !msg.groups!.some((g) => g.key.endsWith(`/${shard}`))) return;
  if (after-- > 0) return;
  if (mode === 'exit') process.exit(3);
  throw new Error('simulated failure inside the index worker');
});
