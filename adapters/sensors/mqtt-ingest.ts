import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { EventDraft } from '../../core/events/event.js';
import type { SourceInfo } from '../../core/sensors/sensor-port.js';
import { parseJsonPath, valueAt, type JsonPath } from './json-path.js';

/** One configured reading: which topic, where in the payload, and the source it becomes. */
export interface IngestRule {
  readonly topic: string;
  readonly source: string;
  /** JSON path into the payload; empty = the payload itself is the value. */
  readonly path: string;
  readonly unit?: string | undefined;
  readonly label?: string | undefined;
}

interface CompiledRule extends IngestRule {
  readonly steps: JsonPath;
}

/** Largest payload looked at; device state messages are a few hundred bytes. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

/** The source id a rule's readings get: `mqtt.<source>`, unless it already starts with `mqtt.`. */
export function ingestSourceId(source: string): string {
  return source.startsWith('mqtt.') ? source : `mqtt.${source}`;
}

/**
 * A reading as a number: numbers as they are, booleans and ON/OFF as 1/0 (contacts, relays),
 * numeric text as its number. null or absent: no reading. Anything else: not a reading.
 */
function numberOf(value: unknown): number | null | 'invalid' {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : 'invalid';
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^(on|true)$/i.test(s)) return 1;
    if (/^(off|false)$/i.test(s)) return 0;
    const n = s === '' ? NaN : Number(s);
    return Number.isFinite(n) ? n : 'invalid';
  }
  return 'invalid';
}

function invalid(topic: string, message: string, details: Record<string, unknown> = {}): SmolError {
  return new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, message, { details: { topic, ...details } });
}

/**
 * External sensors over MQTT: messages on configured device topics (Zigbee2MQTT state, Tasmota
 * telemetry, a bare number) become `reading.sampled` events, one per message, with a value per
 * configured JSON path. A message is taken whole or not at all: a payload that is not JSON, or a
 * value that is not a number, is refused with SMOL_MQTT_PAYLOAD_INVALID and journals nothing. A
 * path that is absent or null is a reading the device did not send (absent, never 0).
 */
export class MqttIngest {
  private readonly byTopic = new Map<string, CompiledRule[]>();

  /** Throws TypeError for a rule whose path does not parse (the config schema checks it first). */
  constructor(
    rules: readonly IngestRule[],
    private readonly journal: { append(drafts: readonly EventDraft[]): Promise<unknown> },
  ) {
    for (const r of rules) {
      const steps = parseJsonPath(r.path);
      if (!steps) throw new TypeError(`mqtt.ingest: bad JSON path ${JSON.stringify(r.path)}`);
      const list = this.byTopic.get(r.topic) ?? [];
      list.push({ ...r, source: ingestSourceId(r.source), steps });
      this.byTopic.set(r.topic, list);
    }
  }

  /** The device topics to subscribe to. */
  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** The sources the rules define. */
  sources(): SourceInfo[] {
    return [...this.byTopic.values()].flat().map((r) => ({
      source: r.source,
      provider: 'mqtt',
      simulated: false,
      ...(r.unit ? { unit: r.unit } : {}),
      ...(r.label ? { label: r.label } : {}),
    }));
  }

  /** Journals `source.registered` for every configured source (at each start, as other providers do). */
  async register(): Promise<void> {
    const sources = this.sources();
    if (sources.length > 0) await this.journal.append(sources.map((s) => ({ type: 'source.registered', v: 2, data: { ...s, binary: false } })));
  }

  /** The readings in one message on `topic`. Throws SMOL_MQTT_PAYLOAD_INVALID. */
  readingsOf(topic: string, payload: Buffer): Record<string, number> {
    const rules = this.byTopic.get(topic);
    if (!rules) return {};
    if (payload.length > MAX_PAYLOAD_BYTES) throw invalid(topic, `payload of ${payload.length} bytes is larger than ${MAX_PAYLOAD_BYTES}`);
    const text = payload.toString('utf8');
    let json: unknown;
    let isJson = true;
    try {
      json = JSON.parse(text);
    } catch {
      isJson = false;
    }
    const values: Record<string, number> = {};
    const bad: string[] = [];
    for (const rule of rules) {
      let raw: unknown;
      if (rule.steps.length === 0) raw = isJson ? json : text;
      else if (!isJson || json === null || typeof json !== 'object') throw invalid(topic, `expected a JSON object with ${rule.path}, got ${JSON.stringify(text.slice(0, 80))}`, { source: rule.source });
      else raw = valueAt(json, rule.steps);
      const n = numberOf(raw);
      if (n === 'invalid') bad.push(`${rule.path || '(payload)'} is ${JSON.stringify(raw)?.slice(0, 60)}, not a number (source ${rule.source})`);
      else if (n !== null) values[rule.source] = n;
    }
    if (bad.length > 0) throw invalid(topic, bad.join('; '), { bad });
    if (Object.keys(values).length === 0) {
      throw invalid(topic, `none of the configured readings is in the payload (paths: ${rules.map((r) => r.path || '(payload)').join(', ')})`);
    }
    return values;
  }

  /** Journals the readings of one message as `reading.sampled`. Throws SMOL_MQTT_PAYLOAD_INVALID (nothing journaled). */
  async handle(topic: string, payload: Buffer): Promise<Record<string, number>> {
    const values = this.readingsOf(topic, payload);
    if (Object.keys(values).length > 0) await this.journal.append([{ type: 'reading.sampled', data: { values } }]);
    return values;
  }
}
