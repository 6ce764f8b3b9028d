import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { EventRegistry } from '../../core/events/registry.js';
import type { LlmPort } from '../../core/llm/llm-port.js';
import type { Embedder } from '../../core/embeddings/embeddings-port.js';
import type { GpioPort } from '../../core/sensors/sensor-port.js';
import type { MqttAccess } from '../../core/tools/ports.js';
import { ToolRegistry } from '../../core/tools/registry.js';
import { createTools } from '../../core/tools/all-tools.js';
import { mqttTools } from '../../core/tools/mqtt-tools.js';
import { Agent } from '../../core/agent/agent.js';
import { Observer } from '../../core/observer/observer.js';
import { createEmbedder, createLlm } from '../llm/create-llm.js';
import { VectorsProjection } from '../vectors/vectors-projection.js';
import { QuickJsSandbox } from '../sandbox/quickjs-sandbox.js';
import { MemoryService } from './memory-service.js';
import { sensorAccess } from './sensor-access.js';
import { storageAccess } from './storage-access.js';
import { observerInputs } from './observer-inputs.js';
import { detectionAccess } from './vision-access.js';
import type { NodeViews } from './node-views.js';

/** A node as the agent needs it: views plus GPIO (SmolNode fits). */
export interface AgentNode extends NodeViews {
  readonly gpio?: GpioPort | undefined;
  writeGpio?(pin: string, value: 0 | 1): Promise<void>;
}

export interface AgentServicesOptions {
  readonly config: Config;
  readonly node: AgentNode;
  readonly registry: EventRegistry;
  /** Start the observer's schedule (a node does; `smollama ask` does not). */
  readonly observe: boolean;
  /** Keep vector indexes in memory only (no files). */
  readonly inMemoryVectors?: boolean;
  readonly mqtt?: MqttAccess;
  /** Injected for tests; default from config. */
  readonly llm?: LlmPort;
  readonly embedder?: { embedder: Embedder; forModel: (model: string) => Embedder | undefined };
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Wall clock (ms); injected by tests. */
  readonly now?: () => number;
  /** The node's memory pressure (the memory unit): the observer skips rounds and vector bulk builds wait while it is high. */
  readonly memoryPressure?: { paused(): boolean };
}

/** Everything the agent side of a node runs: model, embeddings, vector index, memory, tools, agent, observer. */
export interface AgentServices {
  readonly llm: LlmPort;
  readonly embedder: Embedder;
  readonly queryEmbedder: (model: string) => Embedder | undefined;
  readonly vectors: VectorsProjection;
  readonly memory: MemoryService;
  readonly tools: ToolRegistry;
  readonly agent: Agent;
  readonly observer: Observer | undefined;
  /** Adds the MQTT tools once the node's MQTT side is up. */
  attachMqtt(mqtt: MqttAccess): void;
  stop(): Promise<void>;
}

/** Builds and starts the agent side of a node. */
export async function startAgentServices(o: AgentServicesOptions): Promise<AgentServices> {
  const { config, node } = o;
  const llm = o.llm ?? createLlm(config.llm);
  const emb = o.embedder ?? createEmbedder(config.llm, (err) => o.log?.('embeddings: model unreachable, using the offline n-gram embedder', { error: String(err) }));
  const vectors = new VectorsProjection(node.journal, o.registry, {
    ...(o.inMemoryVectors ? {} : { dir: join(config.dataDir, 'vectors') }),
    maxVectors: config.agent.maxIndexedVectors,
    ...(o.memoryPressure ? { bulkPaused: () => o.memoryPressure!.paused() } : {}),
  });
  await vectors.start();
  const memory = new MemoryService({
    node, vectors, embedder: emb.embedder, queryEmbedder: emb.forModel,
    rememberThreshold: config.agent.rememberThreshold, chatModel: () => llm.model, ...(o.now ? { now: o.now } : {}),
  });
  const gpio = node.gpio;
  const tools = new ToolRegistry({ journal: node.journal, newId: () => `tc_${randomUUID()}` }).register(
    ...createTools({
      sensors: sensorAccess(node),
      memory,
      storage: storageAccess(node),
      detections: detectionAccess(node),
      ...(gpio && node.writeGpio ? { gpio: { list: () => gpio.list(), read: (p: string) => gpio.read(p), write: (p: string, v: 0 | 1) => node.writeGpio!(p, v) } } : {}),
      ...(o.mqtt ? { mqtt: o.mqtt } : {}),
      sandbox: new QuickJsSandbox({ timeoutMs: config.agent.codeTimeoutMs, memoryBytes: config.agent.codeMemoryBytes, stackBytes: config.agent.codeStackBytes }),
      ...(o.now ? { now: o.now } : {}),
    }),
  );
  const agent = new Agent({
    llm, tools, journal: node.journal, nodeName: config.node.name, nodeId: node.journal.nodeId,
    maxIterations: config.agent.maxIterations, instructions: config.agent.instructions, newId: () => `conv_${randomUUID()}`,
    ...(o.now ? { now: o.now } : {}),
  });
  let observer: Observer | undefined;
  if (o.observe && config.observer.enabled) {
    observer = new Observer({
      journal: node.journal, inputs: observerInputs(node), llm, embedder: emb.embedder, nodeName: config.node.name,
      settings: config.observer,
      remember: (m) => memory.remember({ ...m, confidence: 0.6 }, { kind: 'observer' }),
      ...(o.now ? { now: o.now } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.memoryPressure ? { wait: () => o.memoryPressure!.paused() } : {}),
    });
    observer.start();
  }
  return {
    llm, embedder: emb.embedder, queryEmbedder: emb.forModel, vectors, memory, tools, agent, observer,
    attachMqtt(mqtt) {
      if (!tools.get('mqtt_publish')) tools.register(...mqttTools(mqtt));
    },
    async stop() {
      await observer?.stop();
      await vectors.stop();
    },
  };
}
