/**
 * The deterministic GPIO simulation: input values are a pure function of (seed, pin name, time
 * bucket), so two runs with the same seed and clock see the same "world", and tests can pin it.
 */
import type { PinConfig } from '../../core/sensors/sensor-port.js';
import type { EdgeListener, GpioBackend } from './gpio-backend.js';

/** How long a simulated input holds its value before it may change, unless configured. */
export const DEFAULT_SIMULATION_PERIOD_MS = 10_000;

/** 32-bit FNV-1a over UTF-16 code units: stable across platforms, runs and Node versions. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Folds one 32-bit word into the hash with murmur3's finalizer, so neighbouring buckets differ. */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The simulated level of an input pin in a time bucket; a pure function of its arguments. */
export function simulatedInputValue(seed: number, name: string, bucket: number): 0 | 1 {
  // Buckets from epoch milliseconds can exceed 32 bits: fold in both halves.
  const lo = bucket >>> 0;
  const hi = Math.floor(bucket / 0x1_0000_0000) >>> 0;
  const h = mix(mix(mix(mix(0x2545f491, seed >>> 0), fnv1a(name)), lo), hi);
  return (h >>> 31) as 0 | 1; // the top bit is the best mixed one
}

/** Options of the simulation backend. */
export interface SimulationOptions {
  readonly seed: number;
  readonly periodMs: number;
  readonly now: () => number;
  /** Output values to start from (carried over from hardware); missing outputs start at 0. */
  readonly outputs?: ReadonlyMap<string, 0 | 1>;
  /** Report a bucket change of an input as an edge when it happens (a timer at each bucket's end). */
  readonly edges?: boolean;
  /** The inputs whose bucket changes are edges (with `edges`). */
  readonly inputs?: readonly PinConfig[];
}

/** The simulation, which can also be handed an edge (a simulated button press) from outside. */
export interface SimulatedBackend extends GpioBackend {
  /** The input `pin` goes to `level` now (and stays there): reported like a hardware edge. */
  inject(pin: PinConfig, level: 0 | 1): void;
}

/**
 * A GpioBackend whose inputs follow the hash (or the level last injected) and whose outputs
 * hold the last written value.
 */
export function createSimulatedBackend(options: SimulationOptions): SimulatedBackend {
  if (!(options.periodMs > 0)) throw new RangeError(`simulation periodMs must be > 0, got ${options.periodMs}`);
  const outputs = new Map(options.outputs);
  const injected = new Map<string, 0 | 1>();
  const watched = new Set<PinConfig>(options.inputs);
  let listener: EdgeListener | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const level = (pin: PinConfig, bucket: number) => injected.get(pin.name) ?? simulatedInputValue(options.seed, pin.name, bucket);
  // At each bucket's end, the inputs whose hashed level changed have an edge, as a real line would.
  const arm = () => {
    const bucket = Math.floor(options.now() / options.periodMs);
    timer = setTimeout(() => {
      for (const pin of watched) {
        const before = level(pin, bucket);
        const after = level(pin, bucket + 1);
        if (before !== after) listener?.(pin, after);
      }
      arm();
    }, Math.max(1, (bucket + 1) * options.periodMs - options.now()));
    timer.unref();
  };
  return {
    read(pin: PinConfig) {
      if (pin.direction === 'output') return outputs.get(pin.name) ?? 0;
      return level(pin, Math.floor(options.now() / options.periodMs));
    },
    write(pin: PinConfig, value: 0 | 1) {
      outputs.set(pin.name, value);
    },
    watch(l) {
      listener = l;
      if (options.edges === true && timer === undefined) arm();
    },
    inject(pin, value) {
      if (pin.direction !== 'input') throw new TypeError(`simulated edge on ${pin.name}, which is not an input`);
      injected.set(pin.name, value);
      listener?.(pin, value);
    },
    close() {
      clearTimeout(timer);
      listener = undefined;
    },
  };
}
