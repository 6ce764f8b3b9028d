import { z } from 'zod';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { AskOptions, AgentAnswer } from '../../core/agent/agent.js';
import type { InboxMessage } from './inbox.js';

type QoS = 0 | 1 | 2;

/** What the handler needs: the agent, a way to publish, and where answers go by default. */
export interface MqttAskOptions {
  readonly agent: { ask(question: string, options: AskOptions): Promise<AgentAnswer> };
  readonly publish: (topic: string, payload: string, options: { qos: QoS; correlationData?: Buffer }) => Promise<void>;
  /** `<prefix>/<node>/answers`: where answers go when the question names no response topic. */
  readonly answersTopic: string;
  readonly qos: QoS;
  /** Which tools MQTT questions may use (default: all). */
  readonly allowTool?: (name: string) => boolean;
  /** Questions waiting beyond the one being answered; more are refused with SMOL_AGENT_BUSY (default 8). */
  readonly maxWaiting?: number;
  /** A question that was refused (bad payload, busy, retained); it is also answered with the error. */
  readonly onRefused?: (err: SmolError, topic: string) => void;
}

const MAX_QUESTION_BYTES = 8 * 1024;
const JsonQuestion = z
  .object({
    question: z.string().trim().min(1, 'must not be empty'),
    id: z.union([z.string().max(200), z.number()]).optional(),
  })
  .strict();

/** The question in a payload: plain text, or JSON `{"question": "…", "id"?: …}`. Throws SMOL_MQTT_PAYLOAD_INVALID. */
export function parseQuestion(payload: Buffer): { question: string; id?: string | number } {
  if (payload.length > MAX_QUESTION_BYTES) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `question of ${payload.length} bytes is longer than ${MAX_QUESTION_BYTES}`);
  const text = payload.toString('utf8').trim();
  if (text === '') throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'empty question: send the question as text, or {"question": "…"}');
  if (!text.startsWith('{')) return { question: text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'a payload starting with { must be JSON: {"question": "…", "id"?: …}');
  }
  const parsed = JsonQuestion.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `${i.path.join('.') || 'payload'}: ${i.message} (expected {"question": "…", "id"?: …})`);
  }
  return parsed.data.id === undefined ? { question: parsed.data.question } : { question: parsed.data.question, id: parsed.data.id };
}

/**
 * Questions to the agent over MQTT. A question on `<prefix>/<node>/ask` is answered on its MQTT 5
 * response topic (with its correlation data) when it names one, else on `<prefix>/<node>/answers`
 * (with the `id` it sent, if any). Questions are answered one at a time, in arrival order; a Pi
 * runs one model. Retained questions are not answered (they would be again at every reconnect).
 */
export class MqttAsk {
  private chain: Promise<void> = Promise.resolve();
  /** Questions taken and not yet answered: the one being answered and those waiting. */
  private taken = 0;
  private readonly abort = new AbortController();

  constructor(private readonly options: MqttAskOptions) {}

  /** Takes one message from the ask topic; resolves once it is answered (or refused). */
  handle(message: InboxMessage): Promise<void> {
    const target = this.targetOf(message);
    let parsed: { question: string; id?: string | number } | undefined;
    try {
      if (message.retain) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'retained questions are not answered; publish the question without retain');
      parsed = parseQuestion(message.payload);
      if (this.abort.signal.aborted) throw new SmolError(ErrorCodes.AGENT_BUSY, 'the node is stopping');
      const maxWaiting = this.options.maxWaiting ?? 8;
      if (this.taken > maxWaiting) throw new SmolError(ErrorCodes.AGENT_BUSY, `${maxWaiting} questions are waiting for the agent; ask again later`);
    } catch (err) {
      return this.refuse(err as SmolError, message, target, parsed?.id);
    }
    const question = parsed;
    this.taken += 1;
    const run = this.chain.then(() => this.answer(question, target)).finally(() => (this.taken -= 1));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops taking questions and aborts the one being answered; waits up to `waitMs` for its error
   * answer to go out (not longer: with the broker gone a QoS 1 publish would wait for ever).
   */
  async close(waitMs = 2000): Promise<void> {
    this.abort.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.chain, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  private targetOf(message: InboxMessage): { topic: string; correlationData?: Buffer } {
    const valid = message.responseTopic !== undefined && message.responseTopic !== '' && !/[#+]/.test(message.responseTopic);
    const topic = valid ? message.responseTopic! : this.options.answersTopic;
    return message.correlationData && valid ? { topic, correlationData: message.correlationData } : { topic };
  }

  private async refuse(err: SmolError, message: InboxMessage, target: { topic: string; correlationData?: Buffer }, id: string | number | undefined): Promise<void> {
    this.options.onRefused?.(err, message.topic);
    if (message.retain) return; // nobody is waiting for an answer to a retained message
    await this.send(target, { ...(id !== undefined ? { id } : {}), error: { code: err.code, message: err.message } });
  }

  private async answer(q: { question: string; id?: string | number }, target: { topic: string; correlationData?: Buffer }): Promise<void> {
    const base = { ...(q.id !== undefined ? { id: q.id } : {}), question: q.question };
    let body: Record<string, unknown>;
    try {
      const a = await this.options.agent.ask(q.question, {
        via: 'mqtt',
        signal: this.abort.signal,
        ...(this.options.allowTool ? { allowTool: this.options.allowTool } : {}),
      });
      body = { ...base, answer: a.answer, conversationId: a.conversationId, model: a.model, toolCalls: a.toolCalls };
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.INTERNAL;
      body = { ...base, error: { code, message: (err as Error)?.message ?? String(err) } };
    }
    await this.send(target, body);
  }

  private async send(target: { topic: string; correlationData?: Buffer }, body: Record<string, unknown>): Promise<void> {
    await this.options.publish(target.topic, JSON.stringify(body), { qos: this.options.qos, ...(target.correlationData ? { correlationData: target.correlationData } : {}) });
  }
}
