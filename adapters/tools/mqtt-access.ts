import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { MqttAccess } from '../../core/tools/ports.js';

export interface MqttAccessOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Topics under this prefix (the node's own event stream) are not kept as "recent messages". */
  readonly ownPrefix?: string;
  /** Messages kept (default 500). */
  readonly keep?: number;
  readonly clientId?: string;
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** True when `topic` matches an MQTT filter with + and # wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The agent's MQTT: publish, and the most recent messages other devices sent (it subscribes to
 * everything and keeps a ring of the last `keep`, leaving out the node's own event stream).
 */
export class MqttToolClient implements MqttAccess {
  private readonly messages: Array<{ topic: string; payload: string; at: string }> = [];

  private constructor(
    private readonly client: MqttClient,
    private readonly options: MqttAccessOptions,
  ) {
    client.on('message', (topic, payload) => {
      if (options.ownPrefix && topic.startsWith(`${options.ownPrefix}/`)) return;
      this.messages.push({ topic, payload: payload.toString('utf8').slice(0, 4096), at: new Date().toISOString() });
      if (this.messages.length > (options.keep ?? 500)) this.messages.shift();
    });
  }

  /** Connects and subscribes; a broker that is not there yet is retried by the client in the background. */
  static start(options: MqttAccessOptions): MqttToolClient {
    const client = (options.connect ?? connect)(options.url, {
      clientId: options.clientId ?? `smollama-agent-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 5000,
      connectTimeout: 5000,
      ...(options.username ? { username: options.username, password: options.password ?? '' } : {}),
    });
    client.on('error', () => undefined); // reported to the caller as SMOL_TOOL_FAILED when it matters
    client.on('connect', () => void client.subscribe('#', { qos: 0 }));
    return new MqttToolClient(client, options);
  }

  async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!this.client.connected) throw new SmolError(ErrorCodes.TOOL_FAILED, `mqtt: not connected to ${this.options.url}`);
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async recent(filter: string | undefined, limit: number) {
    const out = [];
    for (let i = this.messages.length - 1; i >= 0 && out.length < limit; i--) {
      const m = this.messages[i]!;
      if (filter === undefined || topicMatches(filter, m.topic)) out.push(m);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
