import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { EventDataMap } from '../../core/events/core-events.js';
import type { Embedder } from '../../core/embeddings/embeddings-port.js';
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import type { LlmPort } from '../../core/llm/llm-port.js';
import type { VisionService } from '../../core/vision/vision-service.js';

/** What the describer is told to do (config vision.describe, with a model). */
export interface DescribeSettings {
  readonly model: string;
  readonly labels: readonly string[];
  readonly minIntervalMs: number;
}

/** A log line under a key, written at most once a while per key (adapters/log/rate-limit.ts rateLimitedLog). */
export type KeyedLog = (level: 'info' | 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string) => void;

export interface FrameDescriberDeps {
  readonly journal: Pick<Journal, 'nodeId' | 'subscribe' | 'append' | 'lastPosition'>;
  /** The running vision service, when there is one (it may start after us or not at all). */
  readonly vision: () => Pick<VisionService, 'snapshot'> | undefined;
  readonly llm: LlmPort;
  readonly embedder: Embedder;
  readonly settings: DescribeSettings;
  readonly nodeName: string;
  /** True while the node is under high or critical memory pressure: frames are not described then. */
  readonly paused?: () => boolean;
  readonly now?: () => number;
  readonly log: KeyedLog;
}

/** What the describer has done, for the unit's health and tests. */
export interface DescriberStatus {
  readonly described: number;
  /** Skipped: another camera's frame was being described, the camera's interval had not passed, memory pressure. */
  readonly skipped: { readonly busy: number; readonly interval: number; readonly pressure: number };
  readonly failed: number;
  /** The last attempt's failure; cleared by a description that worked. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly atMs: number };
}

/** Most characters kept of a description ("one or two sentences"; the event takes 2,000). */
const MAX_TEXT = 600;

/**
 * Vision-llm observations: follows this node's `vision.detected` events and, for a `new` object of
 * a label of interest that has a snapshot, asks a vision model to describe the snapshot, then
 * journals its words as an `observation.recorded` (v2, method `vision-llm`, the snapshot in
 * `image`). At most one description per camera per minIntervalMs (counted from each attempt, so a
 * failing model is not asked more often), one at a time (a frame arriving meanwhile is skipped, not
 * queued: a description of an old frame is news no more), none under memory pressure. A failure
 * journals nothing and is logged with its code; the model's words are never made up.
 */
export class FrameDescriber {
  private subscription: Subscription | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly lastAttempt = new Map<string, number>();
  private counts = { described: 0, busy: 0, interval: 0, pressure: 0, failed: 0 };
  private lastError: DescriberStatus['lastError'];

  constructor(private readonly deps: FrameDescriberDeps) {}

  /** Follows what is appended from now on (events from before the start are not described). */
  start(): void {
    const { journal } = this.deps;
    this.subscription = journal.subscribe({ fromPosition: journal.lastPosition() + 1, types: ['vision.detected'], origins: [journal.nodeId] }, (entries) => {
      for (const e of entries) if (e.event.type === 'vision.detected') this.consider(e.event.data as EventDataMap['vision.detected']);
    });
  }

  /** Stops following and gives up a description under way. */
  async stop(): Promise<void> {
    this.subscription?.close();
    this.abort.abort();
    await this.inFlight;
    await this.subscription?.done.catch(() => undefined);
  }

  /** Resolves once no description is under way (tests wait on it). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  status(): DescriberStatus {
    const { described, busy, interval, pressure, failed } = this.counts;
    return { described, skipped: { busy, interval, pressure }, failed, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private consider(d: EventDataMap['vision.detected']): void {
    const s = this.deps.settings;
    if (d.phase !== 'new' || !d.snapshot || !s.labels.includes(d.label)) return;
    const now = (this.deps.now ?? Date.now)();
    if (this.deps.paused?.()) return void this.counts.pressure++;
    const last = this.lastAttempt.get(d.camera);
    if (last !== undefined && now - last < s.minIntervalMs) return void this.counts.interval++;
    if (this.inFlight) return void this.counts.busy++;
    this.lastAttempt.set(d.camera, now);
    const run: Promise<void> = this.describe(d, d.snapshot)
      .catch((err: unknown) => this.failed(d, err))
      .finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
    this.inFlight = run;
  }

  private async describe(d: EventDataMap['vision.detected'], snapshot: string): Promise<void> {
    const { llm, settings } = this.deps;
    const vision = this.deps.vision();
    if (!vision) throw new SmolError(ErrorCodes.VISION_DISABLED, 'no vision service is running: no snapshot to describe');
    const jpeg = await vision.snapshot(snapshot, 'image');
    if (!jpeg) throw new SmolError(ErrorCodes.NOT_FOUND, `snapshot ${snapshot.slice(0, 12)}… is no longer stored`);
    const caps = await llm.capabilities?.(settings.model);
    if (caps?.vision === false) {
      throw new SmolError(ErrorCodes.LLM_NO_VISION, `vision.describe.model ${settings.model} does not take images; use a vision model (\`ollama pull moondream\`, or llava, gemma3)`);
    }
    const res = await llm.chat({
      model: settings.model,
      messages: [
        { role: 'system', content: `You describe camera frames for the sensor node "${this.deps.nodeName}". Say only what the image shows, plainly, in one or two short sentences. Do not guess who anyone is.` },
        { role: 'user', content: `Camera "${d.camera}" just detected a ${d.label}. Describe the scene.`, images: [{ mediaType: 'image/jpeg', base64: jpeg.toString('base64') }] },
      ],
      temperature: 0.2,
      maxTokens: 120,
      signal: this.abort.signal,
    });
    const text = cleanDescription(res.content);
    if (!text) throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `${settings.model} answered with no description`);
    const e = await this.deps.embedder.embed([text]);
    const data: EventDataMap['observation.recorded'] = {
      text, kind: 'state', confidence: d.topScore, sources: [], method: 'vision-llm', model: res.model,
      window: { fromMs: d.startedAtMs, toMs: d.startedAtMs },
      embedding: encodeEmbedding(e.model, e.vectors[0]!),
      image: { camera: d.camera, snapshot, objectId: d.objectId, label: d.label },
    };
    await this.deps.journal.append([{ type: 'observation.recorded', v: 2, data }]);
    this.counts.described++;
    this.lastError = undefined;
  }

  private failed(d: EventDataMap['vision.detected'], err: unknown): void {
    if (this.abort.signal.aborted) return;
    this.counts.failed++;
    const code = isSmolError(err) ? err.code : ErrorCodes.LLM_BAD_OUTPUT;
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = { code, message, atMs: (this.deps.now ?? Date.now)() };
    this.deps.log('warn', `describe|${code}`, { code, camera: d.camera, model: this.deps.settings.model, err: message }, 'vision-llm: no description journaled');
  }
}

/** The model's words as an observation: one paragraph, without quotes around it, cut at a sentence end near MAX_TEXT. */
export function cleanDescription(raw: string): string {
  let t = raw.replace(/\s+/g, ' ').trim().replace(/^["'“]+|["'”]+$/g, '').trim();
  if (t.length > MAX_TEXT) {
    const cut = t.slice(0, MAX_TEXT);
    const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
    t = end > MAX_TEXT / 3 ? cut.slice(0, end + 1) : `${cut.trimEnd()}…`;
  }
  return t;
}
