import { z } from 'zod';
import { OBSERVATION_KINDS, MEMORY_KINDS } from '../events/agent-events.js';
import type { LlmMessage, JsonSchema } from '../llm/llm-port.js';
import type { RecentDetection, RecentObservation } from './observer-port.js';
import { fmt, type SeriesStats } from './statistics.js';

/** What the model must answer: observations about the sensors, and optionally facts worth remembering. */
export function answerSchema(maxObservations: number) {
  return z
    .object({
      observations: z
        .array(
          z
            .object({
              text: z.string().trim().min(8).max(400).describe('one or two sentences, with the numbers that matter'),
              kind: z.enum(OBSERVATION_KINDS),
              confidence: z.number().min(0).max(1),
              sources: z.array(z.string()).min(1).max(8).describe('source ids exactly as listed'),
            })
            .strict(),
        )
        .max(maxObservations),
      memories: z
        .array(z.object({ text: z.string().trim().min(8).max(300), kind: z.enum(MEMORY_KINDS) }).strict())
        .max(3)
        .default([]),
    })
    .strict();
}
export type ObserverAnswer = z.infer<ReturnType<typeof answerSchema>>;

/** The JSON Schema sent as Ollama's `format`. */
export function answerJsonSchema(maxObservations: number): JsonSchema {
  return z.toJSONSchema(answerSchema(maxObservations), { io: 'input' }) as JsonSchema;
}

export interface PromptInput {
  readonly nodeName: string;
  readonly now: number;
  readonly windowMinutes: number;
  readonly stats: readonly SeriesStats[];
  /** Sources with no reading in the window. */
  readonly silent: readonly string[];
  readonly recent: readonly RecentObservation[];
  /** Camera detections in the window, newest first; the section is left out when there are none. */
  readonly detections?: readonly RecentDetection[];
  readonly maxObservations: number;
}

/** The source id an observation about a camera cites (listed with the detections). */
export const cameraSource = (camera: string): string => `vision.${camera}`;

/**
 * A compact prompt: one line per source built from rollups (last value, window min/mean/max, trend,
 * day baseline), the sources that went silent, and the last few observations so the model does not
 * repeat itself. About 30 tokens per source.
 */
export function observerMessages(p: PromptInput): LlmMessage[] {
  const system = [
    `You watch the sensors of the node "${p.nodeName}". Write at most ${p.maxObservations} short observations about what changed, what is unusual, or the overall state.`,
    'Use only the numbers given; cite source ids exactly as listed. Do not repeat earlier observations unless something changed.',
    'kind: trend (a steady rise or fall), excursion (outside the usual range), anomaly (unusual against the baseline), state, pattern, or summary.',
    'Optionally add memories: lasting facts about this node worth keeping. Answer with JSON only.',
  ].join('\n');
  const lines = [
    `now ${new Date(p.now).toISOString().slice(0, 16)}Z; window ${p.windowMinutes} min`,
    'source [unit]: last | window min/mean/max (n) | trend per h | baseline mean±sd [min..max] over h',
    ...p.stats.map(seriesLine),
  ];
  if (p.silent.length) lines.push(`no readings in window: ${p.silent.join(', ')}`);
  if (p.detections?.length) {
    lines.push('Recent detections (source: label, zones, when):');
    for (const d of p.detections) lines.push(detectionLine(d, p.now));
  }
  if (p.recent.length) {
    lines.push('earlier observations:');
    for (const o of p.recent) lines.push(`- ${Math.round((p.now - o.at) / 60_000)} min ago: ${o.text}`);
  }
  return [
    { role: 'system', content: system },
    { role: 'user', content: lines.join('\n') },
  ];
}

/** `[°C]`, `[mm precipitation]` (a class the id does not already say), `[0/1 occupancy]` for on/off sources. */
function unitTag(st: SeriesStats): string {
  const cls = st.deviceClass && !st.source.includes(st.deviceClass) ? st.deviceClass : undefined;
  const parts = [st.binary ? '0/1' : st.unit, cls].filter((x): x is string => typeof x === 'string' && x !== '');
  return parts.length ? ` [${parts.join(' ')}]` : '';
}

function seriesLine(st: SeriesStats): string {
  const u = unitTag(st);
  const b = st.baseline;
  const base = b ? `${fmt(b.mean)}±${fmt(b.sd)} [${fmt(b.min)}..${fmt(b.max)}] ${b.hours}h` : '-';
  const trend = st.clockLike ? 'clock' : `${st.slopePerHour >= 0 ? '+' : ''}${fmt(st.slopePerHour)}`;
  return `${st.source}${u}: ${fmt(st.last)} | ${fmt(st.min)}/${fmt(st.mean)}/${fmt(st.max)} (${st.n}) | ${trend} | ${base}`;
}

function detectionLine(d: RecentDetection, now: number): string {
  const ago = (ms: number) => `${Math.max(0, Math.round((now - ms) / 60_000))} min ago`;
  const zones = d.zones.length ? ` in ${d.zones.join(', ')}` : '';
  const when = d.endedAtMs === undefined ? `came ${ago(d.startedAtMs)}, still there` : `came ${ago(d.startedAtMs)}, left ${ago(d.endedAtMs)}`;
  return `- ${cameraSource(d.camera)}: ${d.label}${zones}, ${when}`;
}

/** Rough token count (≈4 characters per token, the usual rule for English and numbers with BPE tokenizers). */
export function estimateTokens(messages: readonly LlmMessage[]): number {
  return Math.ceil(messages.reduce((a, m) => a + m.content.length + 4, 0) / 4);
}
