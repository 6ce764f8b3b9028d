import { isSmolError } from '../errors.js';

/** What a unit is doing: `degraded` and `failed` carry a code saying why. */
export type UnitState = 'running' | 'degraded' | 'stopped' | 'failed';

export interface UnitHealth {
  readonly state: UnitState;
  /** A stable SMOL_ code for degraded and failed. */
  readonly code?: string;
  readonly message?: string;
  /** When this state began (ISO time), where the unit knows it. */
  readonly since?: string;
}

/** One unit's health, by name, as /api/health and `smollama status` list it. */
export interface UnitReport extends UnitHealth {
  readonly name: string;
}

/**
 * A part of a node with a lifecycle (docs/units.md). `start` either succeeds or releases whatever
 * it took before throwing: the registry stops only the units whose start resolved.
 */
export interface Unit<C> {
  readonly name: string;
  /** Units that must have started before this one (and stop after it). */
  readonly needs: readonly string[];
  /** How long its stop may take (ms) before the registry gives up on it; the registry's default otherwise. */
  readonly stopTimeoutMs?: number;
  start(ctx: C): Promise<void>;
  stop(): Promise<void>;
  /** Called only while the unit runs; the registry answers for units that are not running. */
  health(): UnitHealth;
}

/** One-shot timers, injected so that a test can make a stop hang and cut it off without waiting. */
export interface DeadlineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realDeadlineTimers: DeadlineTimers = {
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    // A timer that bounds a stop never keeps a process alive on its own.
    h.unref();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface UnitRegistryOptions<C> {
  /** The context a unit's start gets (typically with a logger of its own). */
  readonly context: (unit: Unit<C>) => C;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  readonly timers?: DeadlineTimers;
  /** Wall clock (ms): the stop budget and the `since` of states. */
  readonly now?: () => number;
  /** A unit's stop time without its own stopTimeoutMs (ms). Default 3000. */
  readonly stopTimeoutMs?: number;
  /** All stops together (ms): systemd allows 30 s, issue 9 promises 10. Default 9000. */
  readonly stopBudgetMs?: number;
}

/** Every later unit keeps at least this much of the budget (or its own timeout, if smaller). */
const RESERVE_MS = 500;

/**
 * Orders units so that each comes after the units it needs; where needs leave a choice, the order
 * of the list is kept. Throws TypeError for a duplicate name, a need that names no unit, or a cycle.
 */
export function startOrder<U extends { readonly name: string; readonly needs: readonly string[] }>(units: readonly U[]): U[] {
  const byName = new Map<string, U>();
  for (const u of units) {
    if (byName.has(u.name)) throw new TypeError(`two units are named ${u.name}`);
    byName.set(u.name, u);
  }
  for (const u of units) {
    for (const need of u.needs) if (!byName.has(need)) throw new TypeError(`unit ${u.name} needs ${need}, which is not a unit (units: ${[...byName.keys()].join(', ')})`);
  }
  const placed = new Set<string>();
  const order: U[] = [];
  while (order.length < units.length) {
    const next = units.find((u) => !placed.has(u.name) && u.needs.every((n) => placed.has(n)));
    if (!next) {
      const left = units.filter((u) => !placed.has(u.name)).map((u) => `${u.name} (needs ${u.needs.join(', ')})`);
      throw new TypeError(`units need each other in a cycle: ${left.join('; ')}`);
    }
    placed.add(next.name);
    order.push(next);
  }
  return order;
}

interface Record_ {
  state: UnitState;
  code?: string;
  message?: string;
  since: string;
}

/**
 * Starts units in dependency order, stops them in reverse, unwinds exactly the started ones when
 * one fails to start, bounds every stop (and all of them together) in time, and reports each
 * unit's state. Pure: time and timers are injected, logging is a plain function.
 */
export class UnitRegistry<C> {
  readonly order: readonly Unit<C>[];
  private readonly started: Unit<C>[] = [];
  private readonly records = new Map<string, Record_>();
  private readonly timers: DeadlineTimers;
  private readonly now: () => number;
  private stopping: Promise<void> | undefined;

  constructor(units: readonly Unit<C>[], private readonly options: UnitRegistryOptions<C>) {
    this.order = startOrder(units);
    this.timers = options.timers ?? realDeadlineTimers;
    this.now = options.now ?? Date.now;
    for (const u of this.order) this.mark(u, { state: 'stopped' });
  }

  /**
   * Starts every unit in order. When one throws, the units started before it are stopped in
   * reverse (each bounded) and its error is rethrown; the failed unit is reported `failed`.
   */
  async start(): Promise<void> {
    if (this.started.length > 0 || this.stopping) throw new TypeError('a unit registry starts once');
    for (const unit of this.order) {
      try {
        await unit.start(this.options.context(unit));
      } catch (err) {
        this.mark(unit, { state: 'failed', ...describe(err) });
        this.options.log?.(`unit ${unit.name} failed to start`, { unit: unit.name, ...describe(err) });
        await this.stop();
        throw err;
      }
      this.started.push(unit);
      this.mark(unit, { state: 'running' });
    }
  }

  /** Stops the started units, newest first, within the stop budget; never throws. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const budget = this.options.stopBudgetMs ?? 9000;
    const deadline = this.now() + budget;
    const units = [...this.started].reverse();
    this.started.length = 0;
    const timeoutOf = (u: Unit<C>) => u.stopTimeoutMs ?? this.options.stopTimeoutMs ?? 3000;
    for (const [i, unit] of units.entries()) {
      const reserved = units.slice(i + 1).reduce((sum, later) => sum + Math.min(timeoutOf(later), RESERVE_MS), 0);
      const ms = Math.max(Math.min(timeoutOf(unit), RESERVE_MS), Math.min(timeoutOf(unit), deadline - this.now() - reserved));
      const outcome = await this.bounded(() => unit.stop(), ms);
      if (outcome === 'done') {
        this.mark(unit, { state: 'stopped' });
      } else if (outcome === 'late') {
        this.mark(unit, { state: 'failed', message: `its stop did not finish within ${ms} ms; given up` });
        this.options.log?.(`stop: gave up unit ${unit.name} after ${ms} ms`, { unit: unit.name, afterMs: ms });
      } else {
        this.mark(unit, { state: 'failed', ...describe(outcome.error) });
        this.options.log?.(`stop: unit ${unit.name} failed to stop`, { unit: unit.name, ...describe(outcome.error) });
      }
    }
  }

  private async bounded(work: () => Promise<void>, ms: number): Promise<'done' | 'late' | { error: unknown }> {
    let timer: unknown;
    const late = new Promise<'late'>((resolve) => (timer = this.timers.setTimeout(() => resolve('late'), Math.max(0, ms))));
    try {
      return await Promise.race([work().then(() => 'done' as const, (error: unknown) => ({ error })), late]);
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  /** Every unit in start order with its state: a running unit's own health, else the registry's record. */
  health(): UnitReport[] {
    const running = new Set(this.stopping ? [] : this.started);
    return this.order.map((unit) => {
      const record = this.records.get(unit.name)!;
      if (!running.has(unit)) return { name: unit.name, ...record };
      try {
        const own = unit.health();
        return { name: unit.name, since: record.since, ...own };
      } catch (err) {
        return { name: unit.name, state: 'failed', ...describe(err), since: record.since };
      }
    });
  }

  private mark(unit: Unit<C>, record: Omit<Record_, 'since'>): void {
    this.records.set(unit.name, { ...record, since: new Date(this.now()).toISOString() });
  }
}

/** The node as a whole: ok while every unit runs (or is off), degraded as soon as one is degraded or failed. */
export function overallState(units: readonly UnitReport[]): 'ok' | 'degraded' {
  return units.some((u) => u.state === 'degraded' || u.state === 'failed') ? 'degraded' : 'ok';
}

function describe(err: unknown): { code?: string; message: string } {
  const message = (err as Error)?.message ?? String(err);
  return isSmolError(err) ? { code: err.code, message } : { message };
}
