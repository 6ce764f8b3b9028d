import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';
import { isReadingSampled, isReadingSampledJson } from './reading-checks.js';

/** Schemas of the events the journal core itself and the sensor runtime write. */
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const NodeStarted = z.object({
  name: z.string().min(1),
  role: z.enum(['llama', 'alpaca']),
  publicKey: z.string().min(1),
  software: z.string(),
});
export const NodeStopped = z.object({ reason: z.string() });
export const ClockJumped = z.object({ kind: z.enum(['backward', 'forward']), fromMs: finite, toMs: finite });
export const FeedSealed = z.object({
  /** The sealed head: seq and hash of the event just before this seal. */
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: z.string().min(1),
  signature: z.string().min(1),
});
export const ReadingSampled = z.object({
  /** One sampling tick: source id → value. A source that could not be read is absent. */
  values: z.record(z.string().min(1), finite),
});

export const SourceRegisteredV1 = z.object({
  source: z.string().min(1),
  provider: z.string().min(1),
  unit: z.string().optional(),
  label: z.string().optional(),
  /** True for the deterministic GPIO simulation: such readings are not measurements. */
  simulated: z.boolean(),
});
/** v2: what a source is (issue 12), so Home Assistant, charts, the observer and the tools can show it. */
export const SourceRegistered = SourceRegisteredV1.extend({
  /** The configured device the source belongs to (`sensors.devices[].name`). */
  device: z.string().min(1).optional(),
  /** The platform that reads it (iio, w1, hwmon, gpio-counter, …). */
  platform: z.string().min(1).optional(),
  /** Home Assistant device class (temperature, humidity, door, …). */
  deviceClass: z.string().min(1).optional(),
  /** Its values are 0/1 (a contact, a button, motion): an on/off timeline, a binary_sensor. */
  binary: z.boolean(),
});

/** source.registered v1 → v2: a GPIO pin reads 0/1, every other v1 source is numeric; no device, platform or class. */
export function upcastSourceRegisteredV1(data: unknown): z.infer<typeof SourceRegistered> {
  const d = data as z.infer<typeof SourceRegisteredV1> & { binary?: unknown };
  return { ...d, binary: typeof d.binary === 'boolean' ? d.binary : d.provider === 'gpio' };
}
export const GpioWritten = z.object({
  pin: z.string().min(1),
  value: z.union([z.literal(0), z.literal(1)]),
  simulated: z.boolean(),
});
export const GpioModeChanged = z.object({
  mode: z.enum(['hardware', 'simulated']),
  reason: z.string(),
});

export const coreEventSpecs: EventTypeSpec[] = [
  { type: 'node.started', v: 1, schema: NodeStarted },
  { type: 'node.stopped', v: 1, schema: NodeStopped },
  { type: 'clock.jumped', v: 1, schema: ClockJumped },
  { type: 'feed.sealed', v: 1, schema: FeedSealed },
  { type: 'reading.sampled', v: 1, schema: ReadingSampled, check: isReadingSampled, checkJson: isReadingSampledJson },
  { type: 'source.registered', v: 1, schema: SourceRegisteredV1, upcast: upcastSourceRegisteredV1 },
  { type: 'source.registered', v: 2, schema: SourceRegistered },
  { type: 'gpio.written', v: 1, schema: GpioWritten },
  { type: 'gpio.mode.changed', v: 1, schema: GpioModeChanged },
];

/**
 * Event type → data type. Other modules add their types by declaration merging:
 * `declare module '…/core/events/core-events.js' { interface EventDataMap { 'x.y': X } }`.
 */
export interface EventDataMap {
  'node.started': z.infer<typeof NodeStarted>;
  'node.stopped': z.infer<typeof NodeStopped>;
  'clock.jumped': z.infer<typeof ClockJumped>;
  'feed.sealed': z.infer<typeof FeedSealed>;
  'reading.sampled': z.infer<typeof ReadingSampled>;
  'source.registered': z.infer<typeof SourceRegistered>;
  'gpio.written': z.infer<typeof GpioWritten>;
  'gpio.mode.changed': z.infer<typeof GpioModeChanged>;
}
export type EventType = keyof EventDataMap;
export type TypedEvent<T extends EventType> = import('./event.js').SmolEvent<T, EventDataMap[T]>;

/** The message a feed seal signs. */
export function sealMessage(origin: string, seq: number, hash: string): string {
  return `smollama-seal:v1:${origin}:${seq}:${hash}`;
}
