import { z } from 'zod';
import { defineTool } from './tool.js';
import type { MqttAccess } from './ports.js';

/** mqtt_publish, mqtt_recent_messages. */
export function mqttTools(mqtt: MqttAccess) {
  return [
    defineTool({
      name: 'mqtt_publish',
      description: 'Publish a message to an MQTT topic.',
      parameters: z
        .object({
          topic: z.string().min(1).max(256).refine((t) => !/[#+]/.test(t), 'a topic to publish to has no wildcards'),
          payload: z.string().max(65_536),
          retain: z.boolean().default(false),
        })
        .strict(),
      async execute({ topic, payload, retain }) {
        await mqtt.publish(topic, payload, retain);
        return { published: topic, bytes: Buffer.byteLength(payload), retain };
      },
    }),
    defineTool({
      name: 'mqtt_recent_messages',
      description: 'The most recent MQTT messages seen, optionally for a topic filter (+ and # wildcards).',
      parameters: z.object({ topic: z.string().optional(), limit: z.number().int().min(1).max(100).default(20) }).strict(),
      async execute({ topic, limit }) {
        return { messages: await mqtt.recent(topic, limit) };
      },
    }),
  ];
}
