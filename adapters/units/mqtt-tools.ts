import { MqttToolClient } from '../tools/mqtt-access.js';
import type { NodeUnit } from './context.js';

/** The agent's mqtt_publish / mqtt_recent_messages tools, on the node's broker. */
export function mqttToolsUnit(): NodeUnit {
  let client: MqttToolClient | undefined;
  return {
    name: 'mqtt-tools',
    needs: ['mqtt', 'agent'],
    stopTimeoutMs: 500,
    async start({ config, shelf }) {
      const mqtt = shelf.get('mqtt');
      if (!mqtt) return;
      client = MqttToolClient.start({ url: mqtt.url, ownPrefix: config.mqtt.topicPrefix, ...(config.mqtt.username ? { username: config.mqtt.username, password: config.mqtt.password } : {}) });
      shelf.get('agent').attachMqtt(client);
    },
    async stop() {
      await client?.close();
    },
    health: () => (client ? { state: 'running' } : { state: 'stopped', message: 'no MQTT' }),
  };
}
