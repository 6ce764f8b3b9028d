import { ErrorCodes, SmolError, isSmolError } from '../errors.js';
import type { EventDraft } from '../events/event.js';
import type { EventDataMap } from '../events/core-events.js';
import type { Embedder } from '../embeddings/embeddings-port.js';
import { encodeEmbedding } from '../embeddings/vector-codec.js';
import type { LlmPort } from '../llm/llm-port.js';
import type { ObserverInputs } from './observer-port.js';
import { activity, describe, findings, fmt, nextInterval, seriesStats, type SeriesStats } from './statistics.js';
import { answerJsonSchema, answerSchema, cameraSource, estimateTokens, observerMessages, type ObserverAnswer } from './prompt.js';

type Observation = Omit<EventDataMap['observation.recorded'], 'embedding' | 'window' | 'model' | 'method'>;

export interface ObserverSettings {
  readonly intervalMs: number;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly windowMs: number;
  readonly maxObservations: number;
}

export interface ObserverDeps {
  readonly journal: { append(drafts: readonly EventDraft[]): Promise<unknown> };
  readonly inputs: ObserverInputs;
  /** The chat model; absent means statistical observations only. */
  readonly llm?: LlmPort;
  readonly embedder: Embedder;
  /** Where the model's proposed memories go (deduplicated there). */
  readonly remember?: (memory: { text: string; kind: EventDataMap['memory.remembered']['kind']; sources: string[] }) => Promise<unknown>;
  readonly nodeName: string;
  readonly settings: ObserverSettings;
  readonly now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel function. Injected so tests drive time. */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
  /** Delay before the first run (default: a minute, or the interval if shorter). */
  readonly firstDelayMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** True while the node asks the observer to wait (memory pressure): the round is skipped, the next one is scheduled as usual. */
  readonly wait?: () => boolean;
}

/** What one run did. */
export interface ObserverRun {
  readonly method: 'llm' | 'statistical';
  readonly observations: number;
  readonly memories: number;
  /** Why the model's answer was not used (no model, unreachable, nonsense). */
  readonly fallback?: { readonly code: string; readonly message: string };
  readonly promptTokens: number;
  readonly activity: number;
  readonly nextIntervalMs: number;
}

/** At most this many detections go into a prompt (the newest): a busy street must not crowd out the sensors. */
const MAX_DETECTION_LINES = 10;

const realSchedule = (fn: () => void, ms: number) => {
  const h = setTimeout(fn, ms);
  h.unref?.();
  return () => clearTimeout(h);
};

/**
 * Periodically looks at this node's sensors and journals observations. It asks the model for
 * structured observations; when the model is unreachable or its answer does not validate, it writes
 * statistical ones (trends, excursions, anomalies against the hourly baseline), marked as such.
 * It never goes silent: a quiet run still records the state. Its interval follows how fast the
 * sensors change, within the configured bounds.
 */
export class Observer {
  private interval: number;
  private cancel: (() => void) | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(private readonly deps: ObserverDeps) {
    this.interval = deps.settings.intervalMs;
  }

  /** The current interval (ms). */
  get intervalMs(): number {
    return this.interval;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm(this.deps.firstDelayMs ?? Math.min(60_000, this.interval));
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    await this.running.catch(() => undefined);
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.cancel = (this.deps.schedule ?? realSchedule)(() => {
      this.cancel = undefined;
      // A model call and its prompt cost memory the node does not have now: skip this round.
      if (this.deps.wait?.()) {
        this.deps.log?.('observer: skipping a round while the node is under memory pressure');
        return this.arm(this.interval);
      }
      const run = this.runOnce().catch((err) => {
        this.deps.log?.('observer run failed', { error: String(err), code: (err as { code?: string }).code });
      });
      this.running = run;
      void run.then(() => this.arm(this.interval));
    }, ms);
  }

  /** One observation run: gather, ask (or compute), embed, journal. */
  async runOnce(): Promise<ObserverRun> {
    const now = (this.deps.now ?? Date.now)();
    const s = this.deps.settings;
    const from = now - s.windowMs;
    const series = await this.deps.inputs.series({ from, to: now + 1, baselineFrom: from - 24 * 3_600_000 });
    const stats = series.map(seriesStats).filter((x): x is SeriesStats => x !== undefined);
    const silent = series.filter((x) => !stats.some((st) => st.source === x.source)).map((x) => x.source);
    const recent = await this.deps.inputs.recentObservations(3);
    const detections = (await this.deps.inputs.recentDetections?.(from, MAX_DETECTION_LINES)) ?? [];
    const windowMinutes = Math.round(s.windowMs / 60_000);
    const messages = observerMessages({ nodeName: this.deps.nodeName, now, windowMinutes, stats, silent, recent, detections, maxObservations: s.maxObservations });
    const act = activity(stats);

    let method: 'llm' | 'statistical' = 'statistical';
    let observations: Observation[] = [];
    let memories: ObserverAnswer['memories'] = [];
    let fallback: ObserverRun['fallback'];
    if (!this.deps.llm) {
      fallback = { code: ErrorCodes.LLM_UNREACHABLE, message: 'no model configured' };
    } else {
      try {
        const answer = await this.ask(messages, [...series.map((x) => x.source), ...detections.map((d) => cameraSource(d.camera))]);
        observations = answer.observations;
        memories = answer.memories;
        method = 'llm';
      } catch (err) {
        fallback = { code: isSmolError(err) ? err.code : ErrorCodes.LLM_BAD_OUTPUT, message: (err as Error).message };
        this.deps.log?.('observer: model not used, writing statistical observations', fallback);
      }
    }
    if (method === 'statistical') observations = statisticalObservations(stats, silent, windowMinutes, s.maxObservations);

    const embeddings = await this.deps.embedder.embed(observations.map((o) => o.text));
    const model = method === 'llm' ? this.deps.llm!.model : null;
    await this.deps.journal.append(
      observations.map((o, i) => ({
        type: 'observation.recorded',
        data: {
          ...o, method, model, window: { fromMs: Math.max(0, from), toMs: now },
          embedding: encodeEmbedding(embeddings.model, embeddings.vectors[i]!),
        } satisfies EventDataMap['observation.recorded'],
      })),
    );
    let remembered = 0;
    for (const m of memories) {
      try {
        await this.deps.remember?.({ text: m.text, kind: m.kind, sources: [] });
        remembered++;
      } catch (err) {
        this.deps.log?.('observer: could not remember', { error: String(err) });
      }
    }
    this.interval = nextInterval(this.interval, act, { baseMs: s.intervalMs, minMs: s.minIntervalMs, maxMs: s.maxIntervalMs });
    return {
      method, observations: observations.length, memories: remembered, promptTokens: estimateTokens(messages),
      activity: act, nextIntervalMs: this.interval, ...(fallback ? { fallback } : {}),
    };
  }

  /** Asks the model; throws SMOL_LLM_* when it cannot or SMOL_LLM_BAD_OUTPUT when its answer is not usable. */
  private async ask(messages: ReturnType<typeof observerMessages>, sources: readonly string[]): Promise<ObserverAnswer> {
    const max = this.deps.settings.maxObservations;
    const res = await this.deps.llm!.chat({ messages, format: answerJsonSchema(max), temperature: 0.2 });
    let json: unknown;
    try {
      json = JSON.parse(res.content);
    } catch {
      throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `observer: the model's answer is not JSON: ${res.content.slice(0, 80)}`);
    }
    const parsed = answerSchema(max).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `observer: the model's answer does not match the schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    // A source that does not exist means the model made it up: drop that observation.
    const known = new Set(sources);
    const observations = parsed.data.observations.filter((o) => o.sources.every((src) => known.has(src)));
    if (observations.length === 0) {
      throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, parsed.data.observations.length ? 'observer: every observation cited unknown sources' : 'observer: the model wrote no observation');
    }
    return { observations, memories: parsed.data.memories };
  }
}

/** Observations computed from the statistics alone; a quiet window gives one state observation, so there is always one. */
export function statisticalObservations(stats: readonly SeriesStats[], silent: readonly string[], windowMinutes: number, max: number): Observation[] {
  const found = findings(stats, windowMinutes).slice(0, max);
  if (found.length > 0) return found.map((f) => ({ text: f.text, kind: f.kind, confidence: f.confidence, sources: [f.source] }));
  const measured = stats.filter((s) => !s.clockLike);
  if (measured.length === 0) {
    return [{
      text: silent.length ? `No readings in the last ${windowMinutes} min from ${silent.join(', ')}.` : `No sensor readings in the last ${windowMinutes} min.`,
      kind: 'state', confidence: 1, sources: [...silent],
    }];
  }
  const shown = measured.slice(0, 4).map((s) => `${describe(s)} ${fmt(s.mean)}${s.unit ? ` ${s.unit}` : ''}`);
  const more = measured.length > shown.length ? ` and ${measured.length - shown.length} more` : '';
  // "Usual" needs a baseline; a fresh node only knows that nothing moved notably.
  const usual = measured.every((s) => s.baseline !== null) ? 'within their usual range' : 'with no marked change (no day of history yet)';
  return [{
    text: `Steady over the last ${windowMinutes} min: ${measured.length} source${measured.length === 1 ? '' : 's'} ${usual} — ${shown.join(', ')}${more}.`,
    kind: 'state', confidence: 0.8, sources: measured.map((s) => s.source),
  }];
}
