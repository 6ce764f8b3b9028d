import type { Config } from '../../config/schema.js';
import { createRegistry } from '../../../core/events/default-registry.js';
import { SmolNode } from '../../../core/runtime/smol-node.js';
import type { SamplerSchedule } from '../../../core/runtime/sampler.js';
import { allProjections } from '../../../projections/all.js';
import { createSystemSensors } from '../../sensors/system-sensors.js';
import { createGpio } from '../../sensors/gpio.js';
import type { GpioPort } from '../../../core/sensors/sensor-port.js';
import { openNodeJournal, writeStatusFile } from '../data-dir.js';
import { clockSkewReporter } from '../../sync/clock-skew-reporter.js';
import type { Output } from '../output.js';
import { serveHttp, type RunningHttp } from '../../http/serve.js';
import { startSync, type RunningSync } from '../../sync/start-sync.js';
import { startMqtt, type RunningMqtt } from '../../mqtt/start-mqtt.js';
import { loadOrCreateTokens, scopeOfToken } from '../../http/auth/tokens.js';
import { startAgentServices, type AgentServices } from '../../tools/agent-services.js';
import { MqttToolClient } from '../../tools/mqtt-access.js';

export const SOFTWARE = 'smollama 0.1.0';

export interface RunningNode {
  readonly node: SmolNode;
  /** The dashboard and API, listening on config.http. */
  readonly http: RunningHttp;
  /** The MQTT event stream (and embedded broker), unless disabled or its port was taken. */
  readonly mqtt: RunningMqtt | undefined;
  /** Stops the node, closes the journal; resolves when everything is durable. */
  stop(reason: string): Promise<void>;
}

/** Starts a node on a validated config and returns once it is sampling. */
export async function startNode(config: Config, output: Output): Promise<RunningNode> {
  let node: SmolNode | undefined;
  const skew = clockSkewReporter({ journal: () => journal, maxOffsetMs: config.clock.maxOffsetMs, log: (message, fields) => output.err(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}`) });
  const journal = await openNodeJournal(config, { clock: { onJump: (jump) => node?.reportClockJump(jump), ...skew } });
  const firstOfThisRun = journal.lastPosition() + 1;
  try {
    const schedules: SamplerSchedule[] = [];
    if (config.sensors.system.enabled) {
      schedules.push({ provider: createSystemSensors({ diskPath: config.dataDir }), intervalMs: config.sensors.system.intervalMs });
    }
    let gpio: GpioPort | undefined;
    if (config.sensors.gpio.enabled) {
      gpio = await createGpio({ pins: config.sensors.gpio.pins, mode: config.sensors.gpio.mode, seed: config.sensors.gpio.seed });
      schedules.push({ provider: gpio, intervalMs: config.sensors.gpio.intervalMs });
    }
    node = await SmolNode.start({
      journal,
      registry: createRegistry(),
      name: config.node.name,
      role: config.node.role,
      software: SOFTWARE,
      projections: allProjections,
      schedules,
      ...(gpio ? { gpio } : {}),
      sourceIntervalsMs: config.sensors.sourceIntervalsMs,
      sealIntervalMs: config.journal.sealIntervalMs,
      log: (message, fields) => output.err(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}`),
    });
  } catch (err) {
    await journal.close();
    throw err;
  }
  const running = node;
  const startedAt = new Date().toISOString();
  let agent: AgentServices;
  try {
    // Model, embeddings, vector index, tools, agent and observer (statistical while no model answers).
    agent = await startAgentServices({ config, node: running, registry: createRegistry(), observe: true, log: (message, fields) => output.err(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}`) });
  } catch (err) {
    await running.stop('agent failed');
    await journal.close();
    throw err;
  }
  let http: RunningHttp;
  let sync: RunningSync;
  try {
    sync = await startSync(config, journal, (m) => output.err(m));
    const { host, port, openOnLoopback } = config.http;
    const info = { name: config.node.name, role: config.node.role, software: SOFTWARE, startedAt: Date.parse(startedAt) };
    http = await serveHttp({ host, port, openOnLoopback, limits: config.http, dataDir: config.dataDir, journal, node: running, info, extra: { agent: agent.agent, openai: { agent: agent.agent, llm: agent.llm, embedder: agent.embedder, embedderFor: agent.queryEmbedder }, sync: { service: sync.service, ...(sync.loop ? { loop: sync.loop } : {}) } }, log: (m) => output.err(m) });
    sync.startLoop();
  } catch (err) {
    await agent.stop();
    await running.stop('http failed');
    await journal.close();
    throw err;
  }
  let mqtt: RunningMqtt | undefined;
  try {
    const node = { name: config.node.name, role: config.node.role, software: SOFTWARE };
    const tokens = await loadOrCreateTokens(config.dataDir);
    const credentials = (_user: string | undefined, password: string | undefined) => (password ? scopeOfToken(tokens, password) : undefined);
    mqtt = await startMqtt({ settings: config.mqtt, journal, dataDir: config.dataDir, node, initialPosition: firstOfThisRun, credentials, agent: agent.agent, log: (m) => output.err(m) });
  } catch (err) {
    await http.close();
    await running.stop('mqtt failed');
    await journal.close();
    throw err;
  }
  // The agent's mqtt_publish / mqtt_recent_messages tools, on the same broker.
  const mqttTools = mqtt ? MqttToolClient.start({ url: mqtt.url, ownPrefix: config.mqtt.topicPrefix, ...(config.mqtt.username ? { username: config.mqtt.username, password: config.mqtt.password } : {}) }) : undefined;
  if (mqttTools) agent.attachMqtt(mqttTools);
  const status = (isRunning: boolean) =>
    writeStatusFile(config.dataDir, {
      running: isRunning,
      pid: process.pid,
      nodeId: journal.nodeId,
      name: config.node.name,
      role: config.node.role,
      startedAt,
      updatedAt: new Date().toISOString(),
      lastPosition: journal.lastPosition(),
      vector: journal.vector(),
      gpioMode: running.gpio?.mode ?? null,
      http: http.url,
    }).catch(() => undefined);
  await status(true);
  const statusTimer = setInterval(() => void status(true), 5000);
  statusTimer.unref();
  output.out(`smollama node ${journal.nodeId} (${config.node.name}, ${config.node.role}) started; data in ${config.dataDir}`);
  output.out(`dashboard: ${http.url}`);
  if (mqtt) output.out(`mqtt: ${config.mqtt.topicPrefix}/${config.node.name}/# on ${mqtt.url}${mqtt.broker ? ' (embedded broker)' : ''}`);
  if (agent.observer) output.out(`observer: every ${Math.round(config.observer.intervalMs / 60_000)} min (adapting); model ${config.llm.model} at ${config.llm.host}, statistical observations while it does not answer`);
  if (running.gpio?.mode === 'simulated') output.out('GPIO: simulated (deterministic; no GPIO hardware found or configured)');
  let stopping: Promise<void> | undefined;
  return {
    node: running,
    http,
    mqtt,
    stop(reason) {
      stopping ??= (async () => {
        clearInterval(statusTimer);
        await sync.stop();
        await http.close();
        await mqtt?.closeInbox(); // no question or device reading after node.stopped
        await agent.stop();
        await running.stop(reason);
        await mqttTools?.close();
        await mqtt?.close();
        await journal.close();
        await status(false);
      })();
      return stopping;
    },
  };
}

/** `smollama start`: runs until SIGINT/SIGTERM, then shuts down cleanly. */
export async function runStart(config: Config, output: Output): Promise<number> {
  const running = await startNode(config, output);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      output.out(`received ${signal}, stopping`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void running.stop(signal).then(resolve, (err) => {
        output.err(`error while stopping: ${String(err)}`);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  output.out('stopped');
  return 0;
}
