import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { InboxMessage } from './inbox.js';

export type QoS = 0 | 1 | 2;
export type Publish = (topic: string, payload: string, options: { qos: QoS; correlationData?: Buffer }) => Promise<void>;

/** Where an answer goes: the MQTT 5 response topic (with its correlation data), else a fixed topic. */
export interface ResponseTarget {
  readonly topic: string;
  readonly correlationData?: Buffer;
}

/** The response topic of a request when it is a usable topic (no wildcards), else `fallback`. */
export function responseTarget(message: InboxMessage, fallback: string): ResponseTarget {
  const valid = message.responseTopic !== undefined && message.responseTopic !== '' && !/[#+]/.test(message.responseTopic);
  const topic = valid ? message.responseTopic! : fallback;
  return message.correlationData && valid ? { topic, correlationData: message.correlationData } : { topic };
}

/** Publishes one JSON answer to its target. */
export function publishAnswer(publish: Publish, qos: QoS, target: ResponseTarget, body: Record<string, unknown>): Promise<void> {
  return publish(target.topic, JSON.stringify(body), { qos, ...(target.correlationData ? { correlationData: target.correlationData } : {}) });
}

/**
 * Requests over MQTT (questions, tool calls) run one at a time in arrival order, so a client
 * without a response topic can match answers by order, and a burst cannot start many model or
 * tool runs at once. The waiting line is bounded; closing aborts the running request.
 */
export class RequestLine {
  private chain: Promise<void> = Promise.resolve();
  /** Requests taken and not yet answered: the one running and those waiting. */
  private taken = 0;
  private readonly abort = new AbortController();

  /** Aborted when the line closes: passed to the running request. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Throws SMOL_AGENT_BUSY when the line is closing or more than `maxWaiting` requests wait. */
  admit(maxWaiting: number, busyMessage: string): void {
    if (this.abort.signal.aborted) throw new SmolError(ErrorCodes.AGENT_BUSY, 'the node is stopping');
    if (this.taken > maxWaiting) throw new SmolError(ErrorCodes.AGENT_BUSY, busyMessage);
  }

  /** Queues `work` behind the requests taken before; resolves when it has run. */
  run(work: () => Promise<void>): Promise<void> {
    this.taken += 1;
    const run = this.chain.then(work).finally(() => (this.taken -= 1));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops taking requests and aborts the running one; waits up to `waitMs` for its answer to go
   * out (not longer: with the broker gone a QoS 1 publish would wait for ever).
   */
  async close(waitMs = 2000): Promise<void> {
    this.abort.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.chain, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
}
