import type { CallerInfo } from '../events/agent-events.js';
import type { EventDataMap } from '../events/core-events.js';
import type { PinState } from '../sensors/sensor-port.js';

/** What the tools reach through: small ports, implemented in adapters over projections and edges. */

export interface SourceRow {
  readonly origin: string;
  readonly source: string;
  readonly unit: string | null;
  readonly label: string | null;
  readonly simulated: boolean;
  /** Home Assistant device class (temperature, door, …) of a YAML-declared device's source. */
  readonly deviceClass?: string;
  /** The configured device it belongs to. */
  readonly device?: string;
  /** True for 0/1 sources (a contact, a button, motion): 1 is on/open, 0 off/closed. */
  readonly binary?: boolean;
  readonly value: number | null;
  /** ISO time of the latest reading. */
  readonly at: string | null;
}

export interface HistoryResult {
  readonly resolution: 'minute' | 'hour';
  readonly from: string;
  readonly to: string;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly count: number;
  readonly points: ReadonlyArray<{ readonly start: string; readonly min: number; readonly max: number; readonly mean: number; readonly count: number }>;
}

export interface SensorAccess {
  /** This node's id; tools default to it. */
  readonly nodeId: string;
  /** Resolves a node given by id or name; undefined when unknown. */
  resolveNode(node: string): string | undefined;
  list(origin?: string): Promise<SourceRow[]>;
  latest(origin: string, source: string): Promise<SourceRow | undefined>;
  history(q: { origin: string; source: string; from: number; to: number; resolution: 'minute' | 'hour' }): Promise<HistoryResult>;
}

export type RecallType = 'observation' | 'memory';

export interface RecallQuery {
  readonly query: string;
  readonly types?: readonly RecallType[];
  readonly kind?: string;
  /** Node ids; undefined = every node. */
  readonly origins?: readonly string[];
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
}

export interface RecallHit {
  readonly id: string;
  readonly type: RecallType;
  readonly text: string;
  readonly kind: string;
  readonly origin: string;
  readonly at: string;
  /** Fused rank score (higher is better). */
  readonly score: number;
  /** Cosine similarity when the vector search found it. */
  readonly similarity?: number;
  readonly confidence?: number;
  readonly confirmations?: number;
  readonly method?: string;
}

export interface MemoryAccess {
  recall(q: RecallQuery): Promise<RecallHit[]>;
  /** Remembers, or confirms a memory that says the same. */
  remember(
    m: { text: string; kind: EventDataMap['memory.remembered']['kind']; confidence: number; sources: string[] },
    caller: CallerInfo,
  ): Promise<{ action: 'remembered' | 'confirmed'; memoryId: string; similarity?: number }>;
  observe(
    o: { text: string; kind: EventDataMap['observation.recorded']['kind']; confidence: number; sources: string[] },
    caller: CallerInfo,
  ): Promise<{ observationId: string }>;
  /** Throws SMOL_NOT_FOUND for an unknown memory. */
  forget(memoryId: string, reason: string, caller: CallerInfo): Promise<void>;
}

export interface StorageAccess {
  put(key: string, value: unknown, caller: CallerInfo): Promise<void>;
  get(key: string): Promise<{ key: string; value: unknown } | undefined>;
  list(prefix: string, limit: number): Promise<string[]>;
  /** False when the key did not exist. */
  delete(key: string, caller: CallerInfo): Promise<boolean>;
}

export interface GpioAccess {
  list(): PinState[];
  read(pin: string): Promise<0 | 1>;
  /** Journals gpio.written. Throws SMOL_GPIO_PIN_UNKNOWN, SMOL_GPIO_NOT_OUTPUT. */
  write(pin: string, value: 0 | 1): Promise<void>;
}

export interface MqttAccess {
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  recent(topicFilter: string | undefined, limit: number): Promise<Array<{ topic: string; payload: string; at: string }>>;
}

export interface SandboxResult {
  /** The value of the last expression, as JSON-compatible data (undefined when none). */
  readonly value: unknown;
  readonly console: readonly string[];
  readonly durationMs: number;
}

/** Runs untrusted JavaScript with no host access. Throws SMOL_SANDBOX_TIMEOUT, _MEMORY, _STACK, _ERROR. */
export interface SandboxPort {
  run(code: string): Promise<SandboxResult>;
}
