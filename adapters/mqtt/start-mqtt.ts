import { join } from 'node:path';
import type { Journal } from '../../core/journal/journal.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { MqttPublisher } from './publisher.js';

/** The `mqtt` config section, as startMqtt reads it. */
export interface MqttSettings {
  readonly enabled: boolean;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly embeddedHost: string;
  readonly embeddedPort: number;
  readonly topicPrefix: string;
  readonly qos: 0 | 1 | 2;
  readonly discovery: boolean;
  readonly discoveryPrefix: string;
}

/** The running MQTT side of a node. */
export interface RunningMqtt {
  /** The broker the stream goes to. */
  readonly url: string;
  readonly broker: EmbeddedBroker | undefined;
  readonly publisher: MqttPublisher;
  close(): Promise<void>;
}

/**
 * Starts the embedded broker when no broker URL is configured, then the event stream publisher.
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
  log: (message: string) => void;
}): Promise<RunningMqtt | undefined> {
  const { settings, log } = options;
  if (!settings.enabled) return undefined;
  let broker: EmbeddedBroker | undefined;
  let url = settings.url;
  if (url === '') {
    try {
      broker = await startEmbeddedBroker({ host: settings.embeddedHost, port: settings.embeddedPort });
    } catch (err) {
      log(`mqtt: the embedded broker cannot listen on ${settings.embeddedHost}:${settings.embeddedPort} (${(err as Error).message}); running without MQTT. Set mqtt.url to use that broker, or mqtt.embeddedPort.`);
      return undefined;
    }
    url = broker.url;
  }
  const publisher = await MqttPublisher.start({
    journal: options.journal,
    url,
    ...(settings.username ? { username: settings.username, password: settings.password } : {}),
    node: options.node,
    prefix: settings.topicPrefix,
    qos: settings.qos,
    discovery: settings.discovery,
    discoveryPrefix: settings.discoveryPrefix,
    cursorPath: join(options.dataDir, 'mqtt-position.json'),
    initialPosition: options.initialPosition,
    log,
  });
  return {
    url,
    broker,
    publisher,
    async close() {
      await publisher.stop();
      await broker?.close();
    },
  };
}
