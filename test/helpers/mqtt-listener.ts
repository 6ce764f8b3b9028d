import { connect, type MqttClient } from 'mqtt';
import { waitFor } from './wait-for.js';

/** One received message. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/** A test subscriber that records messages and can wait for a condition. */
export class MqttListener {
  readonly messages: Received[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }));
  }

  /** Connects and subscribes; a fixed clientId with clean false keeps the session across reconnects. */
  static async open(url: string, topics: string[], options: { clientId?: string; clean?: boolean; qos?: 0 | 1 | 2 } = {}): Promise<MqttListener> {
    const client = connect(url, { protocolVersion: 4, reconnectPeriod: 200, ...(options.clientId ? { clientId: options.clientId } : {}), clean: options.clean ?? true });
    const listener = new MqttListener(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topics, { qos: options.qos ?? 1 });
    return listener;
  }

  /** Journal positions of the event messages received, in arrival order. */
  positions(): number[] {
    return this.messages.filter((m) => m.topic.includes('/events/')).map((m) => (JSON.parse(m.payload) as { position: number }).position);
  }

  /** Resolves when `check` holds, or rejects after `ms` saying what it waited for (waitFor). */
  until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    return waitFor(check, { timeoutMs: ms, message: what, intervalMs: 20 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** First occurrences, in order: what an at-least-once stream delivered once duplicates are dropped. */
export function firstOccurrences(positions: number[]): number[] {
  const seen = new Set<number>();
  return positions.filter((p) => (seen.has(p) ? false : (seen.add(p), true)));
}
