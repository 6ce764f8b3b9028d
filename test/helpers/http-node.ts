import type { Test } from 'tap';
import { openMemoryJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { SmolNode } from '../../core/runtime/smol-node.js';
import type { SensorProvider } from '../../core/sensors/sensor-port.js';
import { allProjections } from '../../projections/all.js';
import { createGpio, type RpioLike } from '../../adapters/sensors/gpio.js';
import { buildApp, type AppDeps } from '../../adapters/http/app.js';
import { generateTokens } from '../../adapters/http/auth/tokens.js';
import { projectionSearch } from '../../adapters/http/search-ports.js';
import { ManualTimers } from './manual-timers.js';

/** A provider that registers one source and samples nothing: tests append readings themselves. */
export const quietProvider: SensorProvider = {
  name: 'test',
  sources: () => [{ source: 'test.temp', provider: 'test', unit: '°C', label: 'Test temperature', simulated: false }],
  sample: async () => ({}),
};

/** A fake rpio for a node that pretends to be a Pi (so GPIO can switch to hardware). */
function fakeRpio(): RpioLike {
  const levels = new Map<number, number>();
  return {
    INPUT: 0, OUTPUT: 1, LOW: 0, HIGH: 1, PULL_OFF: 0, PULL_DOWN: 1, PULL_UP: 2,
    init: () => undefined,
    open: (pin, mode, init) => void (mode === 1 && levels.set(pin, init ?? 0)),
    read: (pin) => levels.get(pin) ?? 0,
    write: (pin, value) => void levels.set(pin, value),
    close: () => undefined,
  };
}

/** Options of the fixture: the journal's clock, and whether GPIO hardware is (fakely) there. */
export interface HttpNodeOptions {
  readonly now?: () => number;
  readonly hardware?: boolean;
  /** Serve observation/memory search from the node's projections. */
  readonly search?: boolean;
  /** The node's role (default alpaca, an edge); a hub is llama. */
  readonly role?: 'llama' | 'alpaca';
}

/**
 * A node on an in-memory journal with simulated GPIO, and its app (not listening). `extra` deps may
 * be made from the node (e.g. its agent); what they start is stopped before the node (teardown is LIFO).
 */
export async function httpNode(t: Test, extra: Partial<AppDeps> | ((node: SmolNode) => Promise<Partial<AppDeps>>) = {}, options: HttpNodeOptions = {}) {
  const journal = await openMemoryJournal(options.now ? { clock: { now: options.now } } : {});
  const timers = new ManualTimers();
  const gpio = await createGpio({
    pins: [
      { name: 'button', pin: 11, direction: 'input', pull: 'up' },
      { name: 'led', pin: 12, direction: 'output', pull: 'off' },
    ],
    mode: 'simulated',
    detectHardware: async () => (options.hardware ? { available: true, model: 'Fake Pi 4' } : { available: false, reason: 'test' }),
    loadRpio: async () => fakeRpio(),
  });
  const node = await SmolNode.start({
    journal,
    registry: createRegistry(),
    name: 'kitchen',
    role: options.role ?? 'alpaca',
    software: 'test',
    projections: allProjections,
    schedules: [{ provider: quietProvider, intervalMs: 1000 }],
    gpio,
    sealIntervalMs: 60_000,
    timers,
  });
  t.teardown(async () => {
    await node.stop('test');
    await journal.close();
  });
  const more = typeof extra === 'function' ? await extra(node) : extra;
  let n = 0;
  const tokens = generateTokens((size) => Buffer.alloc(size, ++n));
  const app = await buildApp({ journal, node, info: { name: 'kitchen', role: options.role ?? 'alpaca', software: 'test', startedAt: Date.now() }, auth: { tokens }, ...(options.search ? { search: projectionSearch(node) } : {}), ...more });
  t.teardown(() => app.close());
  /** Appends readings and waits until the projections have them. */
  const sample = async (values: Record<string, number>) => {
    const entry = await journal.appendOne('reading.sampled', { values });
    for (const r of node.runners.values()) await r.caughtUp(entry.position);
    return entry;
  };
  return { journal, node, gpio, app, tokens, sample };
}
