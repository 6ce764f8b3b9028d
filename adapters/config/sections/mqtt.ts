import { z } from 'zod';

/** `mqtt`: the event stream to a broker, and the embedded broker used when none is configured. */
export const mqttSection = z
  .object({
    enabled: z.boolean().default(true).describe('Publish the event stream over MQTT'),
    url: z
      .string()
      .regex(/^(|mqtts?:\/\/.+|wss?:\/\/.+)$/, 'expected mqtt://host:port (or mqtts://, ws://, wss://), or empty')
      .default('')
      .describe('Broker URL, e.g. mqtt://broker.lan:1883; empty = run the embedded broker in this node'),
    username: z.string().default('').describe('Broker user name (empty = none)'),
    password: z.string().default('').describe('Broker password (empty = none)'),
    embeddedHost: z.string().min(1).default('0.0.0.0').describe('Address the embedded broker listens on'),
    embeddedPort: z.number().int().min(0).max(65535).default(1883).describe('Port of the embedded broker (0 = any free port)'),
    topicPrefix: z
      .string()
      .regex(/^[^#+\s]+$/, 'no spaces or MQTT wildcards')
      .default('smollama')
      .describe('Topics are <prefix>/<node>/…'),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1).describe('QoS of published events (0, 1 or 2)'),
    discovery: z.boolean().default(true).describe('Announce readings to Home Assistant (MQTT discovery)'),
    discoveryPrefix: z.string().min(1).default('homeassistant').describe('Home Assistant discovery prefix'),
  })
  .strict()
  .prefault({})
  .describe('MQTT event stream and broker');
