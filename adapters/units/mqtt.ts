import { ErrorCodes } from '../../core/errors.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { startMqtt, type RunningMqtt } from '../mqtt/start-mqtt.js';
import { scopeOfToken } from '../http/auth/tokens.js';
import { SOFTWARE } from '../version.js';
import { portLog } from '../log/logger.js';
import { repeatLimiter } from '../log/rate-limit.js';
import { lazy } from './lazy.js';
import { outputEntitiesOf } from '../devices/outputs/output-entities-of.js';
import type {} from './outputs.js'; // the outputs on the shelf
import { mqttVisionOf } from './mqtt-vision.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** The MQTT event stream, inbox and embedded broker, unless MQTT is off or its broker could not listen. */
    mqtt: RunningMqtt | undefined;
  }
}

/**
 * MQTT: the embedded broker (when no mqtt.url is set), every event to the stream, device topics,
 * questions, tool calls and GPIO commands from the inbox. Starts before the node and the agent so
 * that it stops after them and `node.stopped` still reaches the broker; the agent, tools and GPIO
 * writes are looked up when a message comes (`mqtt-inbox` closes the inbox before they stop).
 * An embedded broker that cannot listen does not stop the node: `failed` with SMOL_MQTT_LISTEN_FAILED.
 * Degraded with SMOL_MQTT_UNREACHABLE while the broker is away.
 */
export function mqttUnit(): NodeUnit {
  let mqtt: RunningMqtt | undefined;
  let off: UnitHealth = { state: 'stopped' };
  return {
    name: 'mqtt',
    needs: ['journal', 'tokens', 'sensors'],
    stopTimeoutMs: 2500,
    async start({ config, log, shelf }) {
      if (!config.mqtt.enabled) {
        off = { state: 'stopped', message: 'off (mqtt.enabled is false)' };
        shelf.put('mqtt', undefined);
        return;
      }
      const tokens = shelf.get('tokens');
      const gpio = shelf.get('gpio');
      mqtt = await startMqtt({
        settings: config.mqtt,
        journal: shelf.get('journal'),
        dataDir: config.dataDir,
        node: { name: config.node.name, role: config.node.role, software: SOFTWARE },
        initialPosition: shelf.get('firstPosition'),
        credentials: (_user, password) => (password ? scopeOfToken(tokens, password) : undefined),
        agent: { ask: (question, options) => shelf.get('agent').agent.ask(question, options) },
        tools: lazy(() => shelf.get('agent').tools),
        outputs: { entities: outputEntitiesOf(config.outputs), port: () => shelf.peek('outputs') },
        // Vision starts after MQTT: its projection and service are looked up when needed.
        vision: mqttVisionOf(config, shelf),
        ...(gpio ? { gpio: { pins: config.sensors.gpio.pins, write: (pin: string, value: 0 | 1) => shelf.get('node').writeGpio(pin, value) } } : {}),
        // A broker that stays down says so on every reconnect: once, then once a minute with a count.
        log: portLog(log, repeatLimiter()),
      });
      if (!mqtt) {
        const where = `${config.mqtt.embeddedHost}:${config.mqtt.embeddedPort}`;
        off = { state: 'failed', code: ErrorCodes.MQTT_LISTEN_FAILED, message: `the embedded broker cannot listen on ${where}; running without MQTT`, since: new Date().toISOString() };
      }
      shelf.put('mqtt', mqtt);
    },
    async stop() {
      await mqtt?.close();
    },
    health(): UnitHealth {
      if (!mqtt) return off;
      const broker = mqtt.broker ? ' (embedded broker)' : '';
      return mqtt.publisher.connected
        ? { state: 'running', message: `${mqtt.url}${broker}` }
        : { state: 'degraded', code: ErrorCodes.MQTT_UNREACHABLE, message: `broker ${mqtt.url} unreachable; the journal keeps the stream until it is back` };
    },
  };
}
