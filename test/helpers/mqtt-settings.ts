import type { MqttSettings } from '../../adapters/mqtt/start-mqtt.js';

/** The admin token the node's own MQTT clients present in tests: every client counts as coming from the LAN. */
export const MQTT_ADMIN_TOKEN = 'admin-token';

/** MQTT settings of a test node: the embedded broker on a free port, discovery on, questions and tools off. */
export function mqttTestSettings(over: Partial<MqttSettings> = {}): MqttSettings {
  return {
    enabled: true,
    url: '',
    username: 'smollama',
    password: MQTT_ADMIN_TOKEN,
    embeddedHost: '127.0.0.1',
    embeddedPort: 0,
    topicPrefix: 'smollama',
    qos: 1,
    readingsQos: 1,
    discoveryQos: 1,
    discovery: true,
    discoveryPrefix: 'homeassistant',
    birthTopic: 'homeassistant/status',
    switches: 'auto',
    discoveryOverrides: {},
    ingest: [],
    ask: { enabled: false, tools: 'read-only' },
    tools: { enabled: false, tools: 'read-only' },
    ...over,
  };
}
