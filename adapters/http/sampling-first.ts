import type { onRequestHookHandler, preSerializationAsyncHookHandler } from 'fastify';

/** The longest one request waits for a sampling tick (a tick normally takes a few ms). */
const MAX_WAIT_MS = 250;

/** What the hook needs of the node: core/runtime/sampling-priority.ts. */
export interface SamplingIdle {
  whenIdle(): Promise<void> | undefined;
}

/**
 * An onRequest hook that lets a due or running sampling tick go first: readings are the product,
 * and a loop busy with API work fired the sampler's timer late and lost ticks. The wait is bounded
 * here, so a hung sensor provider cannot hold the API back for longer than MAX_WAIT_MS a request.
 */
export function samplingFirst(sampling: SamplingIdle): onRequestHookHandler {
  return () => giveWay(sampling);
}

/** The same before a reply is serialized: a request that began before the tick was due yields too. */
export function samplingFirstBeforeSerializing(sampling: SamplingIdle): preSerializationAsyncHookHandler<unknown> {
  return async (_request, _reply, payload) => {
    await giveWay(sampling);
    return payload;
  };
}

async function giveWay(sampling: SamplingIdle): Promise<void> {
  const idle = sampling.whenIdle();
  if (!idle) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, MAX_WAIT_MS)))]);
  clearTimeout(timer);
}
