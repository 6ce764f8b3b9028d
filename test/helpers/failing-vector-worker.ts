/**
 * A stand-in for adapters/vectors/bulk-worker.ts that fails on the first batch of operations:
 * `?mode=throw` throws (the worker's `error` event), `?mode=exit` ends the thread with code 3.
 */
import { parentPort } from 'node:worker_threads';

const mode = new URL(import.meta.url).searchParams.get('mode') ?? 'throw';
parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type !== 'ops') return;
  if (mode === 'exit') process.exit(3);
  throw new Error('simulated failure inside the index worker');
});
