import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { atLeast, type MemoryLevel, type MemoryStatus } from '../../core/runtime/memory-pressure.js';
import { declaredLength } from './body-gate.js';

/** What the app reads of the memory unit (the `memoryPressure` on the units' shelf fits). */
export interface AppMemory {
  readonly pressure: { level(): MemoryLevel; status(): MemoryStatus };
  /** While high, pushes with a body over this many bytes are refused (memory.largeSyncPushBytes). */
  readonly largeSyncPushBytes: number;
}

/** How long a refused client should wait: the level is sampled every few seconds and leaves high only after three calm samples. */
const RETRY_AFTER_S = 30;

/** The refusal of work the node cannot afford now; HTTP 503 with a Retry-After. */
export function memoryPressureError(level: MemoryLevel, what: string): SmolError {
  return new SmolError(ErrorCodes.MEMORY_PRESSURE, `this node is under ${level} memory pressure and refuses ${what} for now; try again later`, { details: { level, retryAfterS: RETRY_AFTER_S } });
}

/**
 * onRequest: refuses sync pushes while memory is short, before a byte of the body is read (a push
 * is imported from a file, but verifying and applying a segment still holds its events). High
 * refuses pushes larger than `largeSyncPushBytes`; critical refuses every push. Pulls (what a peer
 * reads from us) stream from the journal and go on. Snapshot files (PUT /sync/snapshots/…) are refused from high.
 */
export function memoryGate(memory: AppMemory) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = request.url.split('?')[0]!;
    const level = memory.pressure.level();
    // A peer's snapshot is held whole and decoded here, and can wait: refused from high (the sender retries).
    if (request.method === 'PUT' && path.startsWith('/sync/snapshots/') && atLeast(level, 'high')) {
      void reply.header('retry-after', String(RETRY_AFTER_S));
      throw memoryPressureError(level, 'snapshot files from peers');
    }
    if (request.method !== 'POST' || path !== '/sync/push') return;
    if (!atLeast(level, 'high')) return;
    const length = declaredLength(request);
    if (level === 'high' && length !== undefined && length <= memory.largeSyncPushBytes) return;
    void reply.header('retry-after', String(RETRY_AFTER_S));
    throw memoryPressureError(level, level === 'critical' ? 'sync pushes' : `sync pushes over ${memory.largeSyncPushBytes} bytes`);
  };
}
