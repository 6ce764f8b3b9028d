import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { JournalEntry } from '../../core/events/event.js';
import { upcastSourceRegisteredV1, type EventDataMap } from '../../core/events/core-events.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import { hlcWall } from '../../core/clock/hlc.js';
import { readCursor, writeCursor } from './cursor-file.js';
import { topicsOf, type Topics } from './topics.js';
import { outputDiscoveryOf, outputTopicsOf, type OutputEntity, type OutputTopics } from './output-entities.js';
import type {} from '../../core/events/output-events.js'; // brings output.written into EventDataMap
import { discoveryMessageOf, staleMessagesOf, type DiscoveryContext, type DiscoveryOverride, type DiscoverySource } from './ha-discovery.js';
import type { StreamExtension } from './stream-extension.js';

type QoS = 0 | 1 | 2;

/** How often the acknowledged stream position is saved to the data dir (ms). */
const CURSOR_SAVE_MS = 600_000;

/** One MQTT message to send. */
export interface OutMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: QoS;
  readonly retain: boolean;
}

/** Everything the publisher needs; the client factory is injectable for tests. */
export interface PublisherOptions {
  readonly journal: Journal;
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly node: { readonly name: string; readonly role: string; readonly software: string };
  readonly prefix: string;
  /** QoS of the event stream. */
  readonly qos: QoS;
  /** QoS of the retained latest readings (default 1). */
  readonly readingsQos?: QoS;
  /** QoS of the retained Home Assistant discovery configs (default 1). */
  readonly discoveryQos?: QoS;
  readonly discovery: boolean;
  readonly discoveryPrefix: string;
  /** Home Assistant's birth topic: `online` there re-sends every discovery config (default homeassistant/status; '' = none). */
  readonly birthTopic?: string;
  /** GPIO outputs announced as switches (their commands are handled elsewhere, see start-mqtt). */
  readonly switchPins?: ReadonlySet<string>;
  /** Configured outputs: announced to Home Assistant, their state retained on each output.written. */
  readonly outputs?: readonly OutputEntity[];
  /** Per-source corrections of the Home Assistant classes (`mqtt.discoveryOverrides`). */
  readonly discoveryOverrides?: Readonly<Record<string, DiscoveryOverride>>;
  /** More topics on this connection (vision: adapters/mqtt/vision-stream.ts); stopped with the publisher. */
  readonly extensions?: readonly StreamExtension[];
  /** Where the last acknowledged position is kept (in the data directory). */
  readonly cursorPath: string;
  /** Where to start when there is no cursor yet (default: the next event appended). */
  readonly initialPosition?: number;
  readonly batchSize?: number;
  readonly reconnectPeriodMs?: number;
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  readonly log?: (message: string) => void;
}

/**
 * Streams the journal to MQTT, in journal order: every event to <prefix>/<node>/events/<type>,
 * this node's readings retained at <prefix>/<node>/readings/<source>, online/offline at
 * <prefix>/<node>/status (offline by last will), and Home Assistant discovery for its sources.
 *
 * Discovery is sent again on every (re)connect and whenever Home Assistant says it is back
 * (`online` on its birth topic): a broker that restarts without persistence has lost every
 * retained config, and Home Assistant would lose the entities until the node restarted. After a
 * reconnect the latest readings are sent again too, for the same reason.
 *
 * The journal is the buffer: a batch counts as published only once the broker acknowledged all
 * of it, and the acknowledged position is kept in a file, so after a broker outage or a restart
 * the stream resumes where it stopped (at least once: a batch cut by an outage may repeat).
 */
export class MqttPublisher {
  private readonly topics: Topics;
  private readonly outputTopics: OutputTopics;
  private readonly client: MqttClient;
  private sub: Subscription | undefined;
  private acked: number;
  private saved: number;
  private saveTimer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  /** This node's sources as registered, for discovery: the stream registers them at each start. */
  private readonly sources = new Map<string, DiscoverySource>();
  /** The last retained reading message per source, sent again after a reconnect. */
  private readonly latest = new Map<string, OutMessage>();
  private readonly discovery: DiscoveryContext;
  private wakeStop: (() => void) | undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.wakeStop = resolve));

  private constructor(
    private readonly options: PublisherOptions,
    start: number,
  ) {
    this.topics = topicsOf(options.prefix, options.node.name, options.discoveryPrefix);
    this.outputTopics = outputTopicsOf(options.prefix, options.node.name, options.discoveryPrefix);
    this.acked = this.saved = start - 1;
    this.discovery = {
      node: { name: options.node.name, nodeId: options.journal.nodeId, role: options.node.role, software: options.node.software },
      topics: this.topics,
      switchPins: options.switchPins ?? new Set(),
      overrides: options.discoveryOverrides ?? {},
    };
    const birthTopic = options.birthTopic ?? 'homeassistant/status';
    const clientOptions: IClientOptions = {
      clientId: `smollama-${options.node.name}-${options.journal.nodeId.slice(0, 8)}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      // Subscriptions are made again on each connect (below), not replayed by mqtt.js as well.
      resubscribe: false,
      will: { topic: this.topics.status, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(options.username ? { username: options.username, password: options.password ?? '' } : {}),
    };
    this.client = (options.connect ?? connect)(options.url, clientOptions);
    for (const x of options.extensions ?? []) x.attach(async (topic, payload, o) => void (await this.client.publishAsync(topic, payload, { qos: o.qos, retain: o.retain })));
    this.client.on('connect', () => {
      options.log?.(`mqtt: connected to ${options.url}`);
      this.client.publish(this.topics.status, 'online', { qos: 1, retain: true });
      if (!options.discovery) {
        for (const x of options.extensions ?? []) x.connected();
        return;
      }
      if (birthTopic) {
        this.client.subscribe(birthTopic, { qos: 1 }, (err, granted) => {
          const refused = err ?? (granted?.[0]?.qos === 128 ? new Error('refused by the broker') : undefined);
          if (refused) options.log?.(`mqtt: cannot subscribe to ${birthTopic} (Home Assistant restarts will not re-send discovery): ${refused.message}`);
        });
      }
      this.announce();
      for (const m of this.latest.values()) this.send(m);
      for (const x of options.extensions ?? []) x.connected();
    });
    this.client.on('message', (topic, payload, packet) => {
      // A retained birth message is old news: this connect has just announced everything.
      if (options.discovery && topic === birthTopic && !packet.retain && payload.toString('utf8').trim() === 'online') this.announce();
    });
    this.client.on('offline', () => options.log?.(`mqtt: broker ${options.url} unreachable; the journal keeps the stream until it is back`));
    this.client.on('error', (err) => options.log?.(`mqtt: ${err.message}`));
  }

  /** Connects (in the background) and starts streaming from the saved cursor. */
  static async start(options: PublisherOptions): Promise<MqttPublisher> {
    const cursor = await readCursor(options.cursorPath);
    const start = cursor !== undefined ? cursor + 1 : (options.initialPosition ?? options.journal.lastPosition() + 1);
    const publisher = new MqttPublisher(options, start);
    publisher.sub = options.journal.subscribe({ fromPosition: start, batchSize: options.batchSize ?? 256 }, (entries, to) => publisher.publishBatch(entries, to));
    publisher.sub.done.catch((err: unknown) => {
      if (!publisher.stopping) options.log?.(`mqtt: stream stopped: ${String(err)}`);
    });
    // Saved every 10 minutes (and on stop), not every second: each save is two fsyncs (file and
    // directory) and dirties two 4 KiB pages, which made the cursor the node's largest source of
    // fsyncs once readings were group-committed (issue 11: 12 a minute), and at once a minute still
    // ~11 MB a day written (a tenth of everything the node wrote). After a crash the stream
    // re-publishes at most 10 minutes of events, with their ids; QoS 1 is at-least-once anyway,
    // and retained readings are simply replaced.
    publisher.saveTimer = setInterval(() => void publisher.save(), CURSOR_SAVE_MS);
    publisher.saveTimer.unref();
    return publisher;
  }

  /** The last journal position the broker acknowledged. */
  get position(): number {
    return this.acked;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The messages one journal entry becomes. */
  messagesOf(entry: JournalEntry): OutMessage[] {
    const out = this.ownMessagesOf(entry);
    const own = entry.event.origin === this.options.journal.nodeId;
    for (const x of this.options.extensions ?? []) out.push(...x.messagesOf(entry, own));
    return out;
  }

  private ownMessagesOf(entry: JournalEntry): OutMessage[] {
    const { event } = entry;
    const qos = this.options.qos;
    const out: OutMessage[] = [{ topic: this.topics.events(event.type), payload: JSON.stringify(entry), qos, retain: false }];
    if (event.origin !== this.options.journal.nodeId) return out;
    if (event.type === 'source.registered' && (event.v === 1 || event.v === 2)) {
      // v2 says what the source is (device class, binary); v1, as older runs wrote it, is lifted.
      const s = event.v === 1 ? upcastSourceRegisteredV1(event.data) : (event.data as EventDataMap['source.registered']);
      const source: DiscoverySource = { source: s.source, provider: s.provider, unit: s.unit, label: s.label, deviceClass: s.deviceClass, binary: s.binary };
      this.sources.set(s.source, source);
      // The components this source is not are cleared first (an older version announced pins as sensors).
      if (this.options.discovery) out.push(...[...staleMessagesOf(source, this.discovery), discoveryMessageOf(source, this.discovery)].map((m) => this.discoveryOut(m)));
    } else if (event.v !== 1) {
      return out;
    } else if (event.type === 'reading.sampled') {
      const at = new Date(hlcWall(event.hlc)).toISOString();
      for (const [source, value] of Object.entries((event.data as EventDataMap['reading.sampled']).values)) {
        out.push(this.readingOut(source, value, at, entry.position));
      }
    } else if (event.type === 'gpio.written') {
      // A written output's state is known at once: a switch in Home Assistant shows it without
      // waiting for the next GPIO sample.
      const w = event.data as EventDataMap['gpio.written'];
      out.push(this.readingOut(`gpio.${w.pin}`, w.value, new Date(hlcWall(event.hlc)).toISOString(), entry.position));
    } else if (event.type === 'output.written') {
      const w = event.data as EventDataMap['output.written'];
      const m = { topic: this.outputTopics.state(w.output), payload: JSON.stringify({ value: w.value, at: new Date(hlcWall(event.hlc)).toISOString(), position: entry.position }), qos: this.options.readingsQos ?? 1, retain: true };
      this.latest.set(`output:${w.output}`, m);
      out.push(m);
    }
    return out;
  }

  private readingOut(source: string, value: number, at: string, position: number): OutMessage {
    const unit = this.sources.get(source)?.unit;
    const m = { topic: this.topics.reading(source), payload: JSON.stringify({ value, ...(unit ? { unit } : {}), at, position }), qos: this.options.readingsQos ?? 1, retain: true };
    this.latest.set(source, m);
    return m;
  }

  private discoveryOut(m: { topic: string; payload: string }): OutMessage {
    return { ...m, qos: this.options.discoveryQos ?? 1, retain: true };
  }

  /** Sends the discovery config of every source this node registered (again). */
  private announce(): void {
    for (const source of this.sources.values()) this.send(this.discoveryOut(discoveryMessageOf(source, this.discovery)));
    for (const o of this.options.outputs ?? []) this.send(this.discoveryOut(outputDiscoveryOf(o, this.discovery.node, this.outputTopics)));
    for (const x of this.options.extensions ?? []) x.announce();
  }

  /** Sends outside the stream (nothing waits for it); a failure is logged, the next connect sends again. */
  private send(m: OutMessage): void {
    this.client.publishAsync(m.topic, m.payload, { qos: m.qos, retain: m.retain }).catch((err: unknown) => {
      if (!this.stopping) this.options.log?.(`mqtt: ${m.topic} not sent: ${(err as Error).message}`);
    });
  }

  private async publishBatch(entries: JournalEntry[], to: number): Promise<void> {
    for (const x of this.options.extensions ?? []) await Promise.race([x.prepare(entries), this.stopped]);
    if (this.stopping) return;
    const messages = entries.flatMap((e) => this.messagesOf(e));
    // mqtt.js keeps unacknowledged QoS 1/2 messages and resends them after a reconnect, so this
    // resolves once the broker has them all, however long the outage; stop() cuts the wait short.
    const all = Promise.all(messages.map((m) => this.client.publishAsync(m.topic, m.payload, { qos: m.qos, retain: m.retain })));
    all.catch(() => undefined);
    await Promise.race([all, this.stopped]);
    if (this.stopping) return;
    this.acked = to;
  }

  private async save(): Promise<void> {
    if (this.acked === this.saved) return;
    const position = this.acked;
    await writeCursor(this.options.cursorPath, position).catch((err: unknown) => this.options.log?.(`mqtt: cannot save the stream position: ${String(err)}`));
    this.saved = position;
  }

  /**
   * Stops streaming, saves the position, says offline (when connected) and disconnects. While
   * the broker is reachable it first waits up to `drainMs` for the stream to reach the journal's end.
   */
  async stop(drainMs = 2000): Promise<void> {
    if (this.stopping) return;
    const deadline = Date.now() + drainMs;
    while (this.client.connected && this.acked < this.options.journal.lastPosition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.stopping = true;
    clearInterval(this.saveTimer);
    this.sub?.close();
    this.wakeStop?.();
    await this.sub?.done.catch(() => undefined);
    await this.save();
    for (const x of this.options.extensions ?? []) await x.close().catch(() => undefined);
    if (this.client.connected) await this.client.publishAsync(this.topics.status, 'offline', { qos: 1, retain: true }).catch(() => undefined);
    await this.client.endAsync(true).catch(() => undefined);
  }
}
