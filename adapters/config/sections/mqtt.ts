import { z } from 'zod';
import { isJsonPath } from '../../sensors/json-path.js';

const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

// Ingested sources become `mqtt.<name>` (a name may carry the prefix itself).
const SOURCE_NAME = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/;

/** One reading taken from an external device's topic (Zigbee2MQTT, Tasmota, or a bare number). */
const ingestRule = z
  .object({
    topic: z
      .string()
      .min(1)
      .regex(/^[^#+]+$/, 'an exact topic, without MQTT wildcards')
      .describe('the device topic, e.g. zigbee2mqtt/kitchen_sensor or tele/plug1/SENSOR'),
    source: z
      .string()
      .regex(SOURCE_NAME, 'expected lowercase letters, digits, _ and dots')
      .describe('the source id readings get (mqtt.<source> unless it starts with mqtt.)'),
    path: z
      .string()
      .refine(isJsonPath, 'expected a JSON path such as temperature, AM2301.Temperature, $.ENERGY.Power or sensors[0].value')
      .default('')
      .describe('where the value is in the JSON payload (empty = the whole payload is the value)'),
    unit: z.string().optional().describe('unit shown with the value, e.g. °C'),
    label: z.string().optional().describe('a name for people, e.g. Kitchen temperature'),
  })
  .strict();

const ingestList = z.array(ingestRule).superRefine((rules, ctx) => {
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    const source = r.source.startsWith('mqtt.') ? r.source : `mqtt.${r.source}`;
    const other = seen.get(source);
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'source'], input: r.source, message: `duplicate source (also ingest.${other})` });
    else seen.set(source, i);
  });
});

/** Corrections of what Home Assistant is told about one source (its guesses come from the unit and name). */
const discoveryOverride = z
  .object({
    binary: z.boolean().optional().describe('an on/off source (1/0): announced as a binary_sensor; false = a sensor'),
    onValue: z.union([z.literal(0), z.literal(1)]).optional().describe('the reading that means on (default 1; a Zigbee2MQTT contact is 1 when closed, so a door is on = open at 0)'),
    deviceClass: z
      .string()
      .regex(/^[a-z0-9_]*$/, 'expected a Home Assistant device class such as door, temperature or battery, or empty for none')
      .optional()
      .describe('Home Assistant device class, e.g. door, moisture, battery; empty = none'),
    stateClass: z.enum(['measurement', 'total', 'total_increasing', 'none']).optional().describe('Home Assistant state class; none = no statistics'),
  })
  .strict();

/** `mqtt`: the event stream to a broker, the embedded broker used when none is configured, ingestion and questions. */
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
    qos: qos.default(1).describe('QoS of published events and of answers to questions (0, 1 or 2)'),
    readingsQos: qos.default(1).describe('QoS of the retained latest readings (0, 1 or 2)'),
    discoveryQos: qos.default(1).describe('QoS of the retained Home Assistant discovery configs (0, 1 or 2)'),
    discovery: z.boolean().default(true).describe('Announce readings to Home Assistant (MQTT discovery)'),
    discoveryPrefix: z
      .string()
      .regex(/^[^#+\s]+$/, 'no spaces or MQTT wildcards')
      .default('homeassistant')
      .describe('Home Assistant discovery prefix'),
    birthTopic: z
      .string()
      .regex(/^[^#+\s]*$/, 'an exact topic, without MQTT wildcards')
      .default('homeassistant/status')
      .describe("Home Assistant's birth message topic: on `online` there every discovery config is sent again (empty = not listened to)"),
    switches: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe(
        'GPIO outputs as Home Assistant switches, commanded on <prefix>/<node>/gpio/<pin>/set: auto = only with the embedded broker (publishing needs the admin token); on = also with an external broker, where anyone who may publish there can switch the pins; off = outputs are announced read-only',
      ),
    discoveryOverrides: z
      .record(z.string().regex(SOURCE_NAME, 'expected a source id such as mqtt.front_door or gpio.door'), discoveryOverride)
      .default({})
      .describe('Per source id: what Home Assistant is told when the guess from unit and name is wrong (binary, onValue, deviceClass, stateClass)'),
    ingest: ingestList.default([]).describe('External sensors: readings taken from device topics (Zigbee2MQTT, Tasmota JSON) and journaled'),
    ask: z
      .object({
        enabled: z.boolean().default(true).describe('Answer questions sent to <prefix>/<node>/ask'),
        tools: z
          .enum(['read-only', 'all'])
          .default('read-only')
          .describe('Tools the agent may use for MQTT questions: read-only (default), or all (GPIO writes, publishing, remembering)'),
      })
      .strict()
      .prefault({})
      .describe('Questions to the agent over MQTT'),
    tools: z
      .object({
        enabled: z.boolean().default(true).describe('Run tool calls sent to <prefix>/<node>/tools/<name> (the arguments as JSON), answered without a model'),
        tools: z
          .enum(['read-only', 'all'])
          .default('read-only')
          .describe('Tools MQTT callers may call directly: read-only (default), or all (GPIO writes, publishing, remembering)'),
      })
      .strict()
      .prefault({})
      .describe('Direct tool calls over MQTT'),
  })
  .strict()
  .prefault({})
  .describe('MQTT event stream, broker, ingestion, questions and tool calls');
