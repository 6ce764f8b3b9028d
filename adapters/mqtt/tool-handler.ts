import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import { callToolDirectly } from '../../core/tools/direct-call.js';
import type { ToolRegistry } from '../../core/tools/registry.js';
import type { InboxMessage } from './inbox.js';
import { RequestLine, publishAnswer, responseTarget, type Publish, type QoS, type ResponseTarget } from './request-line.js';

export interface MqttToolCallOptions {
  readonly tools: ToolRegistry;
  readonly publish: Publish;
  /** `<prefix>/<node>/tools/`: calls arrive on `<base><name>`, answers without a response topic go to `<base><name>/answers`. */
  readonly base: string;
  readonly qos: QoS;
  /** Which tools MQTT callers may use (default: all). */
  readonly allowTool?: (name: string) => boolean;
  /** Calls waiting beyond the one running; more are refused with SMOL_AGENT_BUSY (default 32). */
  readonly maxWaiting?: number;
  /** A call that was refused (bad payload, unknown tool, bad arguments, busy, retained); it is also answered with the error. */
  readonly onRefused?: (err: SmolError, topic: string) => void;
}

/** As for POST /api/tools/:name (body-gate.ts): the largest arguments are an mqtt_publish payload. */
const MAX_CALL_BYTES = 512 * 1024;

/** The arguments in a payload: a JSON object, or nothing for `{}`. Throws SMOL_MQTT_PAYLOAD_INVALID. */
export function parseToolPayload(payload: Buffer): Record<string, unknown> {
  if (payload.length > MAX_CALL_BYTES) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `arguments of ${payload.length} bytes are longer than ${MAX_CALL_BYTES}`);
  const text = payload.toString('utf8').trim();
  if (text === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'the payload must be the arguments as a JSON object, e.g. {"source": "system.cpu_temp"} (or empty for none)');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'the payload must be a JSON object of arguments');
  return json as Record<string, unknown>;
}

/**
 * Direct tool calls over MQTT: the arguments (a JSON object) on `<prefix>/<node>/tools/<name>`,
 * the answer `{ok: true, tool, callId, result}` or `{ok: false, tool, error: {code, message, details?}}`
 * on the MQTT 5 response topic (with its correlation data) when the call names one, else on
 * `<prefix>/<node>/tools/<name>/answers`. Calls run one at a time in arrival order, so a 3.1.1
 * client can match answers to calls by order. Retained calls are not run (they would run again at
 * every reconnect).
 */
export class MqttToolCalls {
  private readonly line = new RequestLine();

  constructor(private readonly options: MqttToolCallOptions) {}

  /** Takes one message from a tool topic; resolves once it is answered (or refused). */
  handle(message: InboxMessage): Promise<void> {
    const name = message.topic.slice(this.options.base.length);
    const target = responseTarget(message, `${this.options.base}${name}/answers`);
    let args: Record<string, unknown>;
    try {
      if (message.retain) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, 'retained tool calls are not run; publish the call without retain');
      args = parseToolPayload(message.payload);
      const maxWaiting = this.options.maxWaiting ?? 32;
      this.line.admit(maxWaiting, `${maxWaiting} tool calls are waiting; call again later`);
    } catch (err) {
      return this.refuse(err as SmolError, message, target, name);
    }
    return this.line.run(() => this.call(name, args, message, target));
  }

  /** Stops taking calls and aborts the running one; waits up to `waitMs` for its answer to go out. */
  close(waitMs = 2000): Promise<void> {
    return this.line.close(waitMs);
  }

  private async call(name: string, args: Record<string, unknown>, message: InboxMessage, target: ResponseTarget): Promise<void> {
    let body: Record<string, unknown>;
    try {
      const outcome = await callToolDirectly(this.options.tools, name, args, {
        via: 'mqtt',
        signal: this.line.signal,
        ...(this.options.allowTool ? { allowTool: this.options.allowTool } : {}),
      });
      body = outcome.ok
        ? { ok: true, tool: name, callId: outcome.callId, result: outcome.result ?? null }
        : { ok: false, tool: name, callId: outcome.callId, error: outcome.error };
    } catch (err) {
      // Refused before it ran (unknown tool, not allowed, bad arguments) or not journaled (disk full).
      const e = isSmolError(err) ? err : new SmolError(ErrorCodes.INTERNAL, (err as Error)?.message ?? String(err));
      this.options.onRefused?.(e, message.topic);
      body = errorBody(name, e);
    }
    await publishAnswer(this.options.publish, this.options.qos, target, body);
  }

  private async refuse(err: SmolError, message: InboxMessage, target: ResponseTarget, name: string): Promise<void> {
    this.options.onRefused?.(err, message.topic);
    if (message.retain) return; // nobody is waiting for the answer to a retained message
    await publishAnswer(this.options.publish, this.options.qos, target, errorBody(name, err));
  }
}

function errorBody(tool: string, err: SmolError): Record<string, unknown> {
  return { ok: false, tool, error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}
