import { join } from 'node:path';
import type { Journal } from '../../core/journal/journal.js';
import type { AgentAnswer, AskOptions } from '../../core/agent/agent.js';
import { isSmolError } from '../../core/errors.js';
import { READ_ONLY_TOOLS } from '../../core/tools/read-only.js';
import { MqttIngest, type IngestRule } from '../sensors/mqtt-ingest.js';
import { startEmbeddedBroker, type BrokerCredentials, type EmbeddedBroker } from './embedded-broker.js';
import { MqttPublisher } from './publisher.js';
import { MqttInbox, type InboxHandler } from './inbox.js';
import { MqttAsk } from './ask-handler.js';
import { MqttToolCalls } from './tool-handler.js';
import type { ToolRegistry } from '../../core/tools/registry.js';
import { topicsOf } from './topics.js';
import { repeatLimiter } from '../log/rate-limit.js';
import { outputCommandRoutes, outputTopicsOf, type OutputEntity } from './output-entities.js';
import type { OutputPort } from '../../core/devices/device-port.js';
import { gpioCommandRoutes, switchPinsOf, type GpioWriter } from './gpio-commands.js';
import type { DiscoveryOverride } from './ha-discovery.js';
import { VisionStream } from './vision-stream.js';
import type { VisionCameraEntity } from './vision-discovery.js';
import type { OpenVisionObject } from './vision-frigate.js';
import type { VisionService } from '../../core/vision/vision-service.js';

type QoS = 0 | 1 | 2;

/** The `mqtt` config section, as startMqtt reads it. */
export interface MqttSettings {
  readonly enabled: boolean;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly embeddedHost: string;
  readonly embeddedPort: number;
  readonly topicPrefix: string;
  readonly qos: QoS;
  readonly readingsQos: QoS;
  readonly discoveryQos: QoS;
  readonly discovery: boolean;
  readonly discoveryPrefix: string;
  readonly birthTopic: string;
  readonly switches: 'auto' | 'on' | 'off';
  readonly discoveryOverrides: Readonly<Record<string, DiscoveryOverride>>;
  readonly ingest: readonly IngestRule[];
  readonly ask: { readonly enabled: boolean; readonly tools: 'read-only' | 'all' };
  readonly tools: { readonly enabled: boolean; readonly tools: 'read-only' | 'all' };
}

/** The running MQTT side of a node. */
export interface RunningMqtt {
  /** The broker the stream goes to. */
  readonly url: string;
  readonly broker: EmbeddedBroker | undefined;
  readonly publisher: MqttPublisher;
  /** Device topics and questions (absent when there is nothing to subscribe to). */
  readonly inbox: MqttInbox | undefined;
  /** Stops taking device messages and questions (a question being answered is aborted); the stream goes on. */
  closeInbox(): Promise<void>;
  close(): Promise<void>;
}

/** Logs refusals of one topic at most once per interval, with how many were not logged (adapters/log/rate-limit.ts). */
function throttledReport(log: (message: string) => void, intervalMs = 60_000) {
  const limit = repeatLimiter(intervalMs);
  return (err: unknown, topic: string) => {
    const code = isSmolError(err) ? err.code : 'SMOL_INTERNAL';
    limit(topic, (quiet) => log(`mqtt: ${code} on ${topic}: ${(err as Error)?.message ?? String(err)}${quiet ? ` (${quiet} more since the last report)` : ''}`));
  };
}

/**
 * Starts the embedded broker when no broker URL is configured, the event stream publisher, and
 * the inbox for configured device topics (journaled as readings) and questions to the agent.
 * Returns undefined when MQTT is disabled, or when the embedded broker cannot listen (the node
 * runs on without MQTT, and says why).
 */
export async function startMqtt(options: {
  settings: MqttSettings;
  journal: Journal;
  dataDir: string;
  node: { name: string; role: string; software: string };
  /** First position of this run: a node without a saved stream position streams from here. */
  initialPosition: number;
  /** Who the embedded broker lets in from addresses other than loopback (API tokens); absent = nobody. */
  credentials?: BrokerCredentials;
  /** Addresses the embedded broker lets in without a token (default loopback); tests act as LAN clients. */
  brokerTrusted?: (address: string | undefined) => boolean;
  /** GPIO outputs Home Assistant may switch (mqtt.switches), written through the node's journaled write. */
  gpio?: GpioWriter;
  /** Configured outputs (announced to Home Assistant) and their journaled write (commands, per mqtt.switches). */
  outputs?: { readonly entities: readonly OutputEntity[]; port(): OutputPort | undefined };
  /**
   * Vision on MQTT and in Home Assistant (adapters/mqtt/vision-stream.ts): the configured cameras
   * (none when vision is off: earlier entities are cleared), the objects open at start, and the
   * vision unit (it starts later: looked up when a snapshot is sent).
   */
  vision?: {
    readonly cameras: readonly VisionCameraEntity[];
    currentOpen?: () => Promise<readonly OpenVisionObject[]>;
    service(): VisionService | undefined;
    readonly snapshotPollMs?: number;
  };
  /** Answers questions on <prefix>/<node>/ask; absent = no questions. */
  agent?: { ask(question: string, options: AskOptions): Promise<AgentAnswer> };
  /** Runs direct tool calls on <prefix>/<node>/tools/<name>; absent = none. */
  tools?: ToolRegistry;
  log: (message: string) => void;
  /** Every refused message (bad payload, busy agent), besides the throttled log line. */
  onRefused?: (err: unknown, topic: string) => void;
  reconnectPeriodMs?: number;
}): Promise<RunningMqtt | undefined> {
  const { settings, log } = options;
  if (!settings.enabled) return undefined;
  let broker: EmbeddedBroker | undefined;
  let url = settings.url;
  if (url === '') {
    try {
      broker = await startEmbeddedBroker({ host: settings.embeddedHost, port: settings.embeddedPort, ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.brokerTrusted ? { trusted: options.brokerTrusted } : {}) });
    } catch (err) {
      log(`mqtt: SMOL_MQTT_LISTEN_FAILED: the embedded broker cannot listen on ${settings.embeddedHost}:${settings.embeddedPort} (${(err as Error).message}); running without MQTT. Set mqtt.url to use that broker, or mqtt.embeddedPort.`);
      return undefined;
    }
    url = broker.url;
  }
  const credentials = settings.username ? { username: settings.username, password: settings.password } : {};
  const switchPins = switchPinsOf(settings.switches, broker !== undefined, options.gpio);
  const vision = options.vision
    ? await VisionStream.open({
        node: { name: options.node.name, nodeId: options.journal.nodeId, role: options.node.role, software: options.node.software },
        prefix: settings.topicPrefix,
        discoveryPrefix: settings.discoveryPrefix,
        discovery: settings.discovery,
        cameras: options.vision.cameras,
        qos: settings.qos,
        retainedQos: settings.readingsQos,
        discoveryQos: settings.discoveryQos,
        currentOpen: options.vision.currentOpen,
        service: options.vision.service,
        entitiesPath: join(options.dataDir, 'mqtt-vision-entities.json'),
        ...(options.vision.snapshotPollMs !== undefined ? { snapshotPollMs: options.vision.snapshotPollMs } : {}),
        log,
      })
    : undefined;
  const publisher = await MqttPublisher.start({
    journal: options.journal,
    url,
    ...credentials,
    node: options.node,
    prefix: settings.topicPrefix,
    qos: settings.qos,
    readingsQos: settings.readingsQos,
    discoveryQos: settings.discoveryQos,
    discovery: settings.discovery,
    discoveryPrefix: settings.discoveryPrefix,
    birthTopic: settings.birthTopic,
    switchPins,
    ...(options.outputs ? { outputs: options.outputs.entities } : {}),
    discoveryOverrides: settings.discoveryOverrides,
    ...(vision ? { extensions: [vision] } : {}),
    cursorPath: join(options.dataDir, 'mqtt-position.json'),
    initialPosition: options.initialPosition,
    ...(options.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: options.reconnectPeriodMs } : {}),
    log,
  });

  const report = throttledReport(log);
  const refused = (err: unknown, topic: string) => {
    report(err, topic);
    options.onRefused?.(err, topic);
  };
  const routes = new Map<string, { qos: QoS; handle: InboxHandler }>();
  if (settings.ingest.length > 0) {
    const ingest = new MqttIngest(settings.ingest, options.journal);
    await ingest.register();
    for (const topic of ingest.topics()) routes.set(topic, { qos: 1, handle: (m) => ingest.handle(m.topic, m.payload) });
  }
  let asker: MqttAsk | undefined;
  let toolCalls: MqttToolCalls | undefined;
  let inbox: MqttInbox | undefined;
  const topics = topicsOf(settings.topicPrefix, options.node.name, settings.discoveryPrefix);
  if (settings.ask.enabled && options.agent) {
    asker = new MqttAsk({
      agent: options.agent,
      publish: (topic, payload, o) => inbox!.publish(topic, payload, o),
      answersTopic: topics.answers,
      qos: settings.qos,
      ...(settings.ask.tools === 'read-only' ? { allowTool: (name: string) => READ_ONLY_TOOLS.has(name) } : {}),
      onRefused: refused,
    });
    const a = asker;
    routes.set(topics.ask, { qos: 1, handle: (m) => a.handle(m) });
  }
  if (settings.tools.enabled && options.tools) {
    const calls = new MqttToolCalls({
      tools: options.tools,
      publish: (topic, payload, o) => inbox!.publish(topic, payload, o),
      base: topics.toolsBase,
      qos: settings.qos,
      ...(settings.tools.tools === 'read-only' ? { allowTool: (name: string) => READ_ONLY_TOOLS.has(name) } : {}),
      onRefused: refused,
    });
    toolCalls = calls;
    // One level below tools/: a tool's /answers topic (where 3.1.1 answers go) is not a call.
    routes.set(`${topics.toolsBase}+`, { qos: 1, handle: (m) => calls.handle(m) });
  }
  if (options.gpio) for (const [topic, route] of gpioCommandRoutes(topics, switchPins, options.gpio)) routes.set(topic, route);
  // Outputs take commands where GPIO switches do (mqtt.switches: auto = behind the embedded broker only).
  const outputCommands = settings.switches === 'on' || (settings.switches === 'auto' && broker !== undefined);
  if (options.outputs && outputCommands) {
    const outputTopics = outputTopicsOf(settings.topicPrefix, options.node.name, settings.discoveryPrefix);
    for (const [topic, route] of outputCommandRoutes(outputTopics, options.outputs.entities, options.outputs.port)) routes.set(topic, route);
  }
  if (routes.size > 0) {
    inbox = MqttInbox.start({
      url,
      ...credentials,
      clientId: `smollama-${options.node.name}-${options.journal.nodeId.slice(0, 8)}-in`,
      // aedes speaks 3.1.1 only; another broker is asked for 5 (response topics) first.
      protocol: broker ? 4 : 'auto',
      routes,
      onError: refused,
      ...(options.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: options.reconnectPeriodMs } : {}),
      log,
    });
  }
  let inboxClosed: Promise<void> | undefined;
  const closeInbox = () =>
    (inboxClosed ??= (async () => {
      await asker?.close();
      await toolCalls?.close();
      await inbox?.close();
    })());
  return {
    url,
    broker,
    publisher,
    inbox,
    closeInbox,
    async close() {
      await closeInbox();
      await publisher.stop();
      await broker?.close();
    },
  };
}
