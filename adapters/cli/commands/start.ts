import type { Config } from '../../config/schema.js';
import { UnitRegistry, type UnitReport } from '../../../core/runtime/units.js';
import type { SmolNode } from '../../../core/runtime/smol-node.js';
import type { Output } from '../output.js';
import type { RunningHttp } from '../../http/serve.js';
import type { RunningMqtt } from '../../mqtt/start-mqtt.js';
import type { GpioProvider } from '../../sensors/gpio.js';
import { createLogger, portLog, stdoutIsJournal, type Logger } from '../../log/logger.js';
import { Shelf, type NodeUnit, type UnitContext } from '../../units/context.js';
import { journalUnit } from '../../units/journal.js';
import { pushUnit } from '../../units/push.js';
import { devicesUnit } from '../../units/devices.js';
import { diskWatchUnit } from '../../units/disk-watch.js';
import { coldHistoryUnit } from '../../units/cold-history.js';
import { retentionUnit } from '../../units/retention.js';
import { memoryJournalUnit, memoryUnit } from '../../units/memory.js';
import type { MemoryReading } from '../../sensors/memory-readers.js';
import { tokensUnit } from '../../units/tokens.js';
import { sensorsUnit } from '../../units/sensors.js';
import { mqttUnit } from '../../units/mqtt.js';
import { nodeUnit } from '../../units/node.js';
import { agentUnit } from '../../units/agent.js';
import { outputsUnit } from '../../units/outputs.js';
import { mqttToolsUnit } from '../../units/mqtt-tools.js';
import { mqttInboxUnit } from '../../units/mqtt-inbox.js';
import { syncUnit } from '../../units/sync.js';
import { snapshotsUnit } from '../../units/snapshots.js';
import { httpUnit } from '../../units/http.js';
import { beginUnit } from '../../units/begin.js';
import { syncPeersUnit } from '../../units/sync-peers.js';
import { statusFileUnit } from '../../units/status-file.js';
import { visionUnit } from '../../units/vision.js';
import { visionDescribeUnit } from '../../units/vision-describe.js';
import { bounded, dataDirEntries, removeCreated } from '../start-parts.js';

export { SOFTWARE } from '../../version.js';

/**
 * The units of a node, in start order where their needs leave a choice (docs/units.md). Each
 * acquires what can fail (lock, files, ports) and journals nothing; a new capability is a file in
 * adapters/units/ and one line here. MQTT comes before the node and the agent so that it stops
 * after them (the stream still carries `node.stopped`).
 */
export const NODE_UNITS: readonly (() => NodeUnit)[] = [
  journalUnit,
  memoryUnit,
  pushUnit,
  diskWatchUnit,
  tokensUnit,
  sensorsUnit,
  mqttUnit,
  nodeUnit,
  agentUnit,
  outputsUnit,
  mqttToolsUnit,
  mqttInboxUnit,
  syncUnit,
  snapshotsUnit,
  httpUnit,
];

/** Units that run once `node.started` is journaled: they write to the journal or tell the world the node is up. */
export const AFTER_BEGIN: readonly (() => NodeUnit)[] = [devicesUnit, syncPeersUnit, statusFileUnit, coldHistoryUnit, retentionUnit, memoryJournalUnit, visionUnit, visionDescribeUnit];

export interface RunningNode {
  readonly node: SmolNode;
  /** The dashboard and API, listening on config.http. */
  readonly http: RunningHttp;
  /** The MQTT event stream (and embedded broker), unless disabled or its port was taken. */
  readonly mqtt: RunningMqtt | undefined;
  readonly logger: Logger;
  /** Every unit with its state. */
  units(): UnitReport[];
  /** Stops the node, closes the journal; resolves when everything is durable (within 10 s). */
  stop(reason: string): Promise<void>;
}

/** How the process runs, for the logger: main.ts knows (it reads the environment). */
export interface StartOptions {
  /** stdout is a terminal (log.format auto is pretty there). Default: process.stdout.isTTY. */
  readonly tty?: boolean;
  /** stdout is journald's stream (JOURNAL_STREAM): lines carry a `<N>` priority. */
  readonly journald?: boolean;
  /** A logger to use instead of one made from config.log (tests). */
  readonly logger?: Logger;
  /** What the memory unit samples instead of /proc and V8 (tests drive the pressure level). */
  readonly memoryReader?: () => Promise<MemoryReading>;
}

/**
 * Starts a node on a validated config and returns once it is sampling.
 *
 * Every unit acquires what can fail (the journal's lock, side files such as trust.json and the
 * tokens, the HTTP port, the embedded broker's port) before `begin` journals the first event: a
 * start that fails stops exactly the units that started, in reverse, appends nothing to an
 * existing journal, and on a fresh data directory removes what it created (key, journal, tokens).
 */
export async function startNode(config: Config, output: Output, options: StartOptions = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger({ level: config.log.level, format: config.log.format, write: (line) => output.out(line), tty: options.tty ?? process.stdout.isTTY === true, journald: options.journald ?? false });
  const before = await dataDirEntries(config.dataDir);
  const shelf = new Shelf();
  let reason = 'start failed';
  const acquire = NODE_UNITS.map((make) => make());
  const units = [...acquire, beginUnit(acquire.map((u) => u.name)), ...AFTER_BEGIN.map((make) => make())];
  const unitsLog = logger.child({ unit: 'units' });
  const registry = new UnitRegistry<UnitContext>(units, {
    context: (unit) => ({ config, log: logger.child({ unit: unit.name }), shelf, output, stopReason: () => reason }),
    // Everything the registry says is a problem: a unit that failed to start or to stop in time.
    log: (message, fields) => unitsLog.error(fields ?? {}, message),
  });
  shelf.put('startedAt', Date.now());
  shelf.put('unitHealth', () => registry.health());
  if (options.memoryReader) shelf.put('memoryReader', options.memoryReader);
  try {
    await registry.start();
  } catch (err) {
    const created = await removeCreated(config.dataDir, before).catch(() => []);
    if (created.length > 0 && !before?.has('journal')) unitsLog.info({ removed: created }, `start failed; removed what it had created in ${config.dataDir}: ${created.join(', ')}`);
    throw err;
  }
  const journal = shelf.get('journal');
  const http = shelf.get('http');
  const mqtt = shelf.get('mqtt');
  const node = shelf.get('node');
  const agent = shelf.get('agent');
  banner(output, config, { nodeId: journal.nodeId, http: http.url, mqtt, observer: agent.observer !== undefined, gpio: shelf.get('gpio') });
  logger.info({ unit: 'node', nodeId: journal.nodeId, dashboard: http.url, units: registry.health().map((u) => `${u.name}:${u.state}`) }, 'node started');
  let stopping: Promise<void> | undefined;
  return {
    node,
    http,
    mqtt,
    logger,
    units: () => registry.health(),
    stop(why) {
      stopping ??= (async () => {
        reason = why;
        await registry.stop();
        const write = shelf.peek('writeStatus');
        if (write) await bounded('the status file', () => write(false), 500, portLog(unitsLog));
      })();
      return stopping;
    },
  };
}

/** What `smollama start` prints once it runs: plain lines on stdout in every log format (tests and people read them). */
function banner(output: Output, config: Config, s: { nodeId: string; http: string; mqtt: RunningMqtt | undefined; observer: boolean; gpio: GpioProvider | undefined }): void {
  output.out(`smollama node ${s.nodeId} (${config.node.name}, ${config.node.role}) started; data in ${config.dataDir}`);
  output.out(`dashboard: ${s.http}`);
  if (s.mqtt) output.out(`mqtt: ${config.mqtt.topicPrefix}/${config.node.name}/# on ${s.mqtt.url}${s.mqtt.broker ? ' (embedded broker)' : ''}`);
  if (s.observer) output.out(`observer: every ${Math.round(config.observer.intervalMs / 60_000)} min (adapting); model ${config.llm.model} at ${config.llm.host}, statistical observations while it does not answer`);
  // Which driver GPIO uses and why: the first thing to check when a button does nothing.
  if (s.gpio) output.out(s.gpio.mode === 'simulated' ? `GPIO: simulated (deterministic; ${s.gpio.backendReason})` : `GPIO: ${s.gpio.backendReason}`);
}

/** `smollama start`: runs until SIGINT/SIGTERM, then shuts down cleanly (within 10 s, whatever the disk does). */
export async function runStart(config: Config, output: Output, options: { journalStream?: string | undefined } = {}): Promise<number> {
  const running = await startNode(config, output, { journald: stdoutIsJournal(options.journalStream) });
  const log = running.logger.child({ unit: 'node' });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      output.out(`received ${signal}, stopping`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void running.stop(signal).then(resolve, (err: unknown) => {
        log.error({ err }, 'error while stopping');
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
    log.warn('stop: something still held the process open after stopping; exiting');
    process.exit(process.exitCode ?? 0);
  }, 500).unref();
  return 0;
}
