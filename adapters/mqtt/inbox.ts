import { connect, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';

type QoS = 0 | 1 | 2;

/** One message the node received, with the MQTT 5 request/response properties when it had them. */
export interface InboxMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
}

/** Handles a message; a throw or rejection is reported through `onError`, never crashes the node. */
export type InboxHandler = (message: InboxMessage) => unknown;

export interface InboxOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly clientId: string;
  /**
   * MQTT version to speak: 4 (3.1.1), 5, or 'auto' = 5, falling back to 3.1.1 when the broker
   * refuses it (aedes, old mosquitto). Response topics need 5.
   */
  readonly protocol: 4 | 5 | 'auto';
  /** Exact topics and the handler of each; a topic may end in one `/+` level (`<prefix>/<node>/tools/+`). */
  readonly routes: ReadonlyMap<string, { readonly qos: QoS; readonly handle: InboxHandler }>;
  readonly onError: (err: unknown, topic: string) => void;
  readonly reconnectPeriodMs?: number;
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  readonly log?: (message: string) => void;
}

/** MQTT's "unacceptable protocol version" (3.1.1 CONNACK code 1; 5's reason code 132). */
const UNSUPPORTED_PROTOCOL = new Set([1, 132]);

/**
 * The node's subscribing side: one connection that receives device topics and questions and
 * dispatches each message to its route. It also publishes answers, so a response goes out on the
 * same MQTT 5 connection the question came in on.
 */
export class MqttInbox {
  private client: MqttClient;
  private version: 4 | 5;
  private closed = false;
  private ready = false;

  private constructor(private readonly options: InboxOptions) {
    this.version = options.protocol === 4 ? 4 : 5;
    this.client = this.open();
  }

  /** Connects (in the background; a broker that is not there yet is retried) and subscribes. */
  static start(options: InboxOptions): MqttInbox {
    for (const topic of options.routes.keys()) if (/[#+]/.test(topic.replace(/\/\+$/, ''))) throw new TypeError(`inbox topics are exact (or end in /+), not filters: ${topic}`);
    return new MqttInbox(options);
  }

  /** The MQTT version of the current connection (5 until a broker refused it). */
  get protocolVersion(): 4 | 5 {
    return this.version;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Connected, and the broker acknowledged the subscriptions: messages published from now on arrive. */
  get subscribed(): boolean {
    return this.ready && this.client.connected;
  }

  private open(): MqttClient {
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: this.version,
      clean: true,
      reconnectPeriod: o.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
    };
    const client = (o.connect ?? connect)(o.url, clientOptions);
    client.on('connect', () => {
      this.ready = false;
      const subscriptions = Object.fromEntries([...o.routes].map(([topic, r]) => [topic, { qos: r.qos }]));
      client.subscribe(subscriptions, (err) => {
        if (err) o.log?.(`mqtt: cannot subscribe to ${Object.keys(subscriptions).join(', ')}: ${err.message}`);
        else if (client === this.client) this.ready = true;
      });
    });
    client.on('message', (topic, payload, packet) => {
      const route = o.routes.get(topic) ?? o.routes.get(topic.replace(/\/[^/]*$/, '/+'));
      if (!route) return;
      const props = packet.properties;
      const message: InboxMessage = {
        topic,
        payload,
        retain: packet.retain,
        ...(props?.responseTopic !== undefined ? { responseTopic: props.responseTopic } : {}),
        ...(props?.correlationData !== undefined ? { correlationData: props.correlationData } : {}),
      };
      try {
        void Promise.resolve(route.handle(message)).catch((err: unknown) => o.onError(err, topic));
      } catch (err) {
        o.onError(err, topic);
      }
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (o.protocol === 'auto' && this.version === 5 && typeof code === 'number' && UNSUPPORTED_PROTOCOL.has(code)) {
        o.log?.(`mqtt: ${o.url} does not speak MQTT 5; using 3.1.1 (questions are answered on the answers topic only)`);
        this.version = 4;
        client.removeAllListeners();
        client.on('error', () => undefined);
        client.end(true);
        if (!this.closed) this.client = this.open();
        return;
      }
      o.log?.(`mqtt: ${err.message}`);
    });
    return client;
  }

  /** Publishes; MQTT 5 properties are dropped on a 3.1.1 connection. Resolves once the broker has it (QoS 1/2). */
  async publish(topic: string, payload: string | Buffer, options: { qos: QoS; retain?: boolean; correlationData?: Buffer }): Promise<void> {
    const publishOptions: IClientPublishOptions = {
      qos: options.qos,
      retain: options.retain ?? false,
      ...(this.version === 5 && options.correlationData ? { properties: { correlationData: options.correlationData } } : {}),
    };
    await this.client.publishAsync(topic, payload, publishOptions);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.endAsync(true).catch(() => undefined);
  }
}
