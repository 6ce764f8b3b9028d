import { z } from 'zod';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { AskOptions, AgentAnswer } from '../../core/agent/agent.js';
import type { InboxMessage } from './inbox.js';
import { RequestLine, publishAnswer, responseTarget, type Publish, type QoS, type ResponseTarget } from './request-line.js';

/** What the handler needs: the agent, a way to publish, and where answers go by default. */
export interface MqttAskOptions {
  readonly agent: { ask(question: string, options: AskOptions): Promise<AgentAnswer> };
  readonly publish: Publish;
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
  private readonly line = new RequestLine();

  constructor(private readonly options: MqttAskOptions) {}

  /** Takes one message from the ask topic; resolves once it is answered (or refused). */
  handle(message: InboxMessage): Promise<void> {
    const target = responseTarget(message, this.options.answersTopic);
    let parsed: { question: string; id?: string | number } | undefined;
    try {
      if (message.retain) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'retained questions are not answered; publish the question without retain');
      parsed = parseQuestion(message.payload);
      const maxWaiting = this.options.maxWaiting ?? 8;
      this.line.admit(maxWaiting, `${maxWaiting} questions are waiting for the agent; ask again later`);
    } catch (err) {
      return this.refuse(err as SmolError, message, target, parsed?.id);
    }
    const question = parsed;
    return this.line.run(() => this.answer(question, target));
  }

  /**
   * Stops taking questions and aborts the one being answered; waits up to `waitMs` for its error
   * answer to go out (not longer: with the broker gone a QoS 1 publish would wait for ever).
   */
  close(waitMs = 2000): Promise<void> {
    return this.line.close(waitMs);
  }

  private async refuse(err: SmolError, message: InboxMessage, target: ResponseTarget, id: string | number | undefined): Promise<void> {
    this.options.onRefused?.(err, message.topic);
    if (message.retain) return; // nobody is waiting for an answer to a retained message
    await publishAnswer(this.options.publish, this.options.qos, target, { ...(id !== undefined ? { id } : {}), error: { code: err.code, message: err.message } });
  }

  private async answer(q: { question: string; id?: string | number }, target: ResponseTarget): Promise<void> {
    const base = { ...(q.id !== undefined ? { id: q.id } : {}), question: q.question };
    let body: Record<string, unknown>;
    try {
      const a = await this.options.agent.ask(q.question, {
        via: 'mqtt',
        signal: this.line.signal,
        ...(this.options.allowTool ? { allowTool: this.options.allowTool } : {}),
      });
      body = { ...base, answer: a.answer, conversationId: a.conversationId, model: a.model, toolCalls: a.toolCalls };
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.INTERNAL;
      body = { ...base, error: { code, message: (err as Error)?.message ?? String(err) } };
    }
    await publishAnswer(this.options.publish, this.options.qos, target, body);
  }
}
