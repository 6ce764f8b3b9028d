/**
 * The event mix a default node writes, for the soak benchmark, as a real node wrote it on this
 * machine (system sensors and simulated GPIO every 5 s, statistical observer, no model):
 *
 * - every 5 s a system `reading.sampled` (9 sources: load 1/5/15, CPU usage, memory used and
 *   available, disk used and free, uptime; CPU temperature and frequency where the machine has
 *   them: a Pi does, so they are in) and a GPIO one (2 sources, button and LED, 0/1);
 * - a statistical observation every 15 min, with a 384-d embedding (observer.intervalMs);
 * - a memory a few times a day, a `node.started` once a day (a restart), a seal every 10 min
 *   (journal.sealIntervalMs; the journal also seals after every 1,000 events).
 *
 * Seeded, so every run writes the same bytes; time is simulated and ends at `endMs` (now, so the
 * node's history queries find the readings).
 */
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import type { EventDraft } from '../../core/events/event.js';
import { prng } from '../helpers/prng.js';
import { ReadingSimulator } from './readings.js';

export const TICK_MS = 5_000;
export const TICKS_PER_DAY = 86_400_000 / TICK_MS;
const OBSERVE_EVERY = (15 * 60_000) / TICK_MS;
const SEAL_EVERY = (10 * 60_000) / TICK_MS;
const MEMORY_EVERY = TICKS_PER_DAY / 4;

/** One simulated tick: what the node appends, in the appends it makes them in (one array each). */
export class DefaultNodeMix {
  private readonly sim: ReadingSimulator;
  private readonly rand: () => number;
  private uptime = 0;
  private button = 0;
  tick = 0;
  readings = 0;

  constructor(seed = 11) {
    this.sim = new ReadingSimulator(seed);
    this.rand = prng(seed + 1);
  }

  /** The appends of the tick at `nowMs`; `seal` marks where the node's seal timer would seal. */
  next(nowMs: number): { appends: EventDraft[][]; seal: boolean } {
    const t = this.tick++;
    const r = this.rand;
    const v = this.sim.next();
    this.uptime += TICK_MS / 1000;
    if (r() < 0.02) this.button ^= 1;
    const system = {
      'system.cpu_temp': v['system.cpu_temp']!,
      'system.cpu_freq': v['system.cpu_freq']!,
      'system.load_1': v['system.load_1']!,
      'system.load_5': v['system.load_5']!,
      'system.load_15': v['system.load_15']!,
      'system.cpu_usage': v['system.cpu_usage']!,
      'system.mem_used': v['system.mem_used']!,
      'system.mem_available': v['system.mem_available']!,
      'system.disk_used': Math.round((24.4 + t / 1e6) * 10) / 10,
      'system.disk_free': 78_499 - Math.floor(t / 5000),
      'system.uptime': this.uptime,
    };
    const appends: EventDraft[][] = [
      [{ type: 'reading.sampled', data: { values: system } }],
      [{ type: 'reading.sampled', data: { values: { 'gpio.button': this.button, 'gpio.led': 0 } } }],
    ];
    this.readings += Object.keys(system).length + 2;
    if (t % OBSERVE_EVERY === OBSERVE_EVERY - 1) appends.push([this.observation(nowMs)]);
    if (t % MEMORY_EVERY === MEMORY_EVERY - 1) appends.push([this.memory(t)]);
    if (t % TICKS_PER_DAY === 0) appends.unshift([{ type: 'node.started', data: { name: 'soak', role: 'alpaca', publicKey: 'soak', software: 'smollama bench' } }]);
    return { appends, seal: t % SEAL_EVERY === SEAL_EVERY - 1 };
  }

  private embedding(): ReturnType<typeof encodeEmbedding> {
    const v = Array.from({ length: 384 }, () => this.rand() - 0.5);
    const n = Math.hypot(...v);
    return encodeEmbedding('all-minilm', v.map((x) => x / n));
  }

  private observation(toMs: number): EventDraft {
    return {
      type: 'observation.recorded',
      data: {
        text: `system.cpu_temp held steady around ${(44 + this.rand() * 4).toFixed(1)} °C over the last 15 minutes`,
        kind: this.rand() < 0.8 ? 'state' : 'trend',
        confidence: 0.6,
        sources: ['system.cpu_temp', 'system.load_1'],
        method: 'statistical',
        model: null,
        window: { fromMs: toMs - 900_000, toMs },
        embedding: this.embedding(),
      },
    };
  }

  private memory(t: number): EventDraft {
    return {
      type: 'memory.remembered',
      data: { text: `note ${t}: the fan starts above 60 °C`, kind: 'note', confidence: 0.7, sources: ['system.cpu_temp'], by: { kind: 'agent', via: 'api' }, embedding: this.embedding() },
    };
  }
}
