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
import { scopeOfToken } from '../../http/auth/tokens.js';
import { startAgentServices, type AgentServices } from '../../tools/agent-services.js';
import { MqttToolClient } from '../../tools/mqtt-access.js';
import { watchDataDisk } from '../disk-watch.js';
import { StartedParts, bounded, dataDirEntries, removeCreated } from '../start-parts.js';

export { SOFTWARE } from '../../version.js';
import { SOFTWARE } from '../../version.js';

export interface RunningNode {
  readonly node: SmolNode;
  /** The dashboard and API, listening on config.http. */
  readonly http: RunningHttp;
  /** The MQTT event stream (and embedded broker), unless disabled or its port was taken. */
  readonly mqtt: RunningMqtt | undefined;
  /** Stops the node, closes the journal; resolves when everything is durable. */
  stop(reason: string): Promise<void>;
}

/** How long a stop may take in all (systemd allows 30 s); each step gets a share of it. */
const STOP_BUDGET_MS = 9000;

/**
 * Starts a node on a validated config and returns once it is sampling.
 *
 * Everything that can fail (the journal's lock, side files such as trust.json and the tokens, the
 * HTTP port, the embedded broker's port) is acquired before the first event is journaled: a start
 * that fails appends nothing to an existing journal, and on a fresh data directory it removes what
 * it created (key, journal, tokens), so a failed start leaves no trace.
 */
export async function startNode(config: Config, output: Output): Promise<RunningNode> {
  const log = (message: string, fields?: Record<string, unknown>) => output.err(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  const before = await dataDirEntries(config.dataDir);
  let node: SmolNode | undefined;
  const skew = clockSkewReporter({ journal: () => journal, maxOffsetMs: config.clock.maxOffsetMs, log });
  const journal = await openNodeJournal(config, { clock: { onJump: (jump) => node?.reportClockJump(jump), ...skew } });
  const firstOfThisRun = journal.lastPosition() + 1;
  const parts = new StartedParts((m) => output.err(m));
  parts.add('journal', () => journal.close());
  try {
    const disk = watchDataDisk({ journal, dataDir: config.dataDir, minFreeBytes: config.journal.minFreeBytes, log: (m) => output.err(m) });
    parts.add('disk watch', async () => disk.stop());
    const schedules: SamplerSchedule[] = [];
    if (config.sensors.system.enabled) {
      schedules.push({ provider: createSystemSensors({ diskPath: config.dataDir }), intervalMs: config.sensors.system.intervalMs });
    }
    let gpio: GpioPort | undefined;
    if (config.sensors.gpio.enabled) {
      gpio = await createGpio({ pins: config.sensors.gpio.pins, mode: config.sensors.gpio.mode, seed: config.sensors.gpio.seed });
      schedules.push({ provider: gpio, intervalMs: config.sensors.gpio.intervalMs });
    }
    const running = await SmolNode.create({
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
      log,
    });
    node = running;
    parts.add('projections', () => running.stop('start failed'));
    const startedAt = new Date().toISOString();
    // Model, embeddings, vector index, tools, agent and observer (statistical while no model answers).
    const agent = await startAgentServices({ config, node: running, registry: createRegistry(), observe: true, log });
    parts.add('agent', () => agent.stop());
    const sync = await startSync(config, journal, (m) => output.err(m));
    parts.add('sync', () => sync.stop());
    const { host, port, openOnLoopback } = config.http;
    const info = { name: config.node.name, role: config.node.role, software: SOFTWARE, startedAt: Date.parse(startedAt) };
    const http = await serveHttp({ host, port, openOnLoopback, limits: config.http, dataDir: config.dataDir, journal, node: running, info, extra: { agent: agent.agent, openai: { agent: agent.agent, llm: agent.llm, embedder: agent.embedder, embedderFor: agent.queryEmbedder }, sync: { service: sync.service, ...(sync.loop ? { loop: sync.loop } : {}) } }, log: (m) => output.err(m) });
    parts.add('http', () => http.close());
    const self = { name: config.node.name, role: config.node.role, software: SOFTWARE };
    const credentials = (_user: string | undefined, password: string | undefined) => (password ? scopeOfToken(http.tokens, password) : undefined);
    const mqtt = await startMqtt({ settings: config.mqtt, journal, dataDir: config.dataDir, node: self, initialPosition: firstOfThisRun, credentials, agent: agent.agent, log: (m) => output.err(m) });
    if (mqtt) parts.add('mqtt', () => mqtt.close());
    // Everything is acquired: the first event of this run.
    await running.begin();
    sync.startLoop();
    const started = announce({ config, output, journal, node: running, agent, sync, http, mqtt, startedAt, disk });
    await started.writeStatus();
    return started;
  } catch (err) {
    await parts.unwind();
    const created = await removeCreated(config.dataDir, before).catch(() => []);
    if (created.length > 0 && !before?.has('journal')) output.err(`start failed; removed what it had created in ${config.dataDir}: ${created.join(', ')}`);
    throw err;
  }
}

/** A started node: the MQTT tools, the status file, what it prints, and its bounded stop. */
function announce(p: {
  config: Config;
  output: Output;
  journal: Awaited<ReturnType<typeof openNodeJournal>>;
  node: SmolNode;
  agent: AgentServices;
  sync: RunningSync;
  http: RunningHttp;
  mqtt: RunningMqtt | undefined;
  startedAt: string;
  disk: { stop(): void };
}): RunningNode & { writeStatus(): Promise<void> } {
  const { config, output, journal, node: running, agent, sync, http, mqtt, startedAt } = p;
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
    writeStatus: () => status(true),
    stop(reason) {
      stopping ??= (async () => {
        clearInterval(statusTimer);
        p.disk.stop();
        // Each step is bounded and a failed one does not skip the rest: whatever happens, the
        // journal is closed (the LevelDB lock released) within the budget.
        const deadline = Date.now() + STOP_BUDGET_MS;
        const step = (what: string, work: () => Promise<unknown>, maxMs: number) =>
          bounded(what, work, Math.min(maxMs, deadline - Date.now() - 1000), (m) => output.err(m));
        await step('sync', () => sync.stop(), 1500);
        await step('http', () => http.close(), 1500);
        await step('the MQTT inbox', async () => mqtt?.closeInbox(), 1000); // no question or device reading after node.stopped
        await step('the agent', () => agent.stop(), 1500);
        await step('the node', () => running.stop(reason, 1000), 3000);
        await step('the MQTT tools', async () => mqttTools?.close(), 500);
        await step('MQTT', async () => mqtt?.close(), 1000);
        await bounded('closing the journal', () => journal.close(), Math.max(500, deadline - Date.now()), (m) => output.err(m));
        await bounded('the status file', () => status(false), 500, (m) => output.err(m));
      })();
      return stopping;
    },
  };
}

/** `smollama start`: runs until SIGINT/SIGTERM, then shuts down cleanly (within 10 s, whatever the disk does). */
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
  // Stopped means exited: if some handle still keeps the event loop alive, it does not keep the
  // process (and a service manager waiting for it). Unref'd: a clean exit never waits for this.
  setTimeout(() => {
    output.err('stop: something still held the process open after stopping; exiting');
    process.exit(process.exitCode ?? 0);
  }, 500).unref();
  return 0;
}
