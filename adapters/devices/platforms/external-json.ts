/**
 * `external-json`: the Python seed's external-detector contract. Another program (a Jetson's
 * inference loop, a script) rewrites a JSON file; each interval its values are read with JSON
 * paths (adapters/sensors/json-path.ts). Data older than `staleAfterMs` — by a timestamp field in
 * the file, or the file's mtime — is dropped. A missing, half-written or garbage file, a stale
 * one, or a path that does not lead to a number is a failed read (counted), never a value; the
 * next sane read recovers by itself.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { DeviceInstance, DeviceSourceInfo } from '../../../core/devices/device-port.js';
import { ErrorCodes } from '../../../core/errors.js';
import { isJsonPath, parseJsonPath, valueAt, type JsonPath } from '../../sensors/json-path.js';
import { definePlatform, type DeviceConfigOf, type DeviceContext } from '../platform.js';

/** A detector's file is small; a bigger one is refused rather than parsed on a Pi's event loop. */
const MAX_BYTES = 1024 * 1024;

const jsonPath = z.string().refine(isJsonPath, 'expected a JSON path like $.counts.person or detections[0].score');
interface ValueSpec {
  readonly path: string;
  readonly unit?: string | undefined;
  readonly label?: string | undefined;
  readonly deviceClass?: string | undefined;
  readonly binary?: boolean | undefined;
}

const valueSpec = z.union([
  jsonPath.transform((path): ValueSpec => ({ path })),
  z
    .object({
      path: jsonPath.describe('where the value is'),
      unit: z.string().min(1).max(16).optional(),
      label: z.string().min(1).max(80).optional(),
      deviceClass: z.string().min(1).optional(),
      binary: z.boolean().optional(),
    })
    .strict(),
]);

const schema = z
  .object({
    path: z.string().min(1).describe('the JSON file another program rewrites'),
    values: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a channel name (lowercase letters, digits and _)'), valueSpec)
      .refine((v) => Object.keys(v).length > 0, 'needs at least one value')
      .describe('channel → JSON path (or {path, unit, label, deviceClass, binary}); a list counts as its length, true/false as 1/0'),
    staleAfterMs: z.number().int().min(100).default(30_000).describe('data older than this is dropped'),
    timestampPath: jsonPath.optional().describe("the data's time in the file (s or ms since 1970, or ISO text); the file's mtime when absent"),
  })
  .strict();

type Config = DeviceConfigOf<typeof schema>;

interface Channel {
  readonly source: string;
  readonly path: JsonPath;
  readonly pathText: string;
  readonly info: DeviceSourceInfo;
}

/** A time in the file: seconds (below 1e11) or ms since 1970, or text Date.parse reads. */
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** A reading from the file: a finite number, a boolean (1/0) or a list (its length). */
function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return v.length;
  return undefined;
}

/** Reads an external program's JSON file. */
export class ExternalJsonDevice implements DeviceInstance {
  private readonly channels: Channel[];
  private readonly timestampPath: JsonPath | undefined;

  constructor(
    private readonly config: Config,
    private readonly ctx: DeviceContext,
  ) {
    this.channels = Object.entries(config.values).map(([channel, spec]: [string, ValueSpec]) => {
      const source = ctx.sourceId(channel);
      const info: DeviceSourceInfo = {
        source,
        provider: config.name,
        simulated: false,
        device: config.name,
        platform: 'external-json',
        binary: spec.binary ?? false,
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(spec.deviceClass ? { deviceClass: spec.deviceClass } : {}),
        ...(spec.label ? { label: spec.label } : config.label ? { label: `${config.label} ${channel}` } : {}),
      };
      return { source, path: parseJsonPath(spec.path)!, pathText: spec.path, info };
    });
    this.timestampPath = config.timestampPath === undefined ? undefined : parseJsonPath(config.timestampPath);
  }

  get name(): string {
    return this.config.name;
  }
  get device(): string {
    return this.config.name;
  }
  get platform(): string {
    return 'external-json';
  }
  get intervalMs(): number | undefined {
    return this.config.intervalMs;
  }

  sources(): DeviceSourceInfo[] {
    return this.channels.map((c) => c.info);
  }

  private failAll(code: string, message: string): Record<string, number> {
    for (const c of this.channels) this.ctx.reads.fail(c.source, code, message);
    return {};
  }

  async sample(): Promise<Record<string, number>> {
    const file = this.config.path;
    let text: string;
    let mtimeMs: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) return this.failAll(ErrorCodes.DEVICE_UNAVAILABLE, `${file} is not a file`);
      if (st.size > MAX_BYTES) return this.failAll(ErrorCodes.DEVICE_READ_FAILED, `${file} is ${st.size} bytes (at most ${MAX_BYTES})`);
      mtimeMs = st.mtimeMs;
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return this.failAll(ErrorCodes.DEVICE_UNAVAILABLE, code === 'ENOENT' ? `${file} does not exist` : `${file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      // A writer that does not rename into place leaves a half-written file now and then.
      return this.failAll(ErrorCodes.DEVICE_READ_FAILED, `${file} is not JSON (${text.length === 0 ? 'empty' : 'half-written or garbage'})`);
    }
    let atMs = mtimeMs;
    if (this.timestampPath) {
      const t = timeOf(valueAt(doc, this.timestampPath));
      if (t === undefined) return this.failAll(ErrorCodes.DEVICE_READ_FAILED, `${file}: no time at ${this.config.timestampPath}`);
      atMs = t;
    }
    const age = this.ctx.now() - atMs;
    if (age > this.config.staleAfterMs) return this.failAll(ErrorCodes.DEVICE_READ_FAILED, `${file} is stale: ${Math.round(age / 1000)} s old (staleAfterMs ${this.config.staleAfterMs})`);
    const out: Record<string, number> = {};
    for (const c of this.channels) {
      const v = numberOf(valueAt(doc, c.path));
      if (v === undefined) this.ctx.reads.fail(c.source, ErrorCodes.DEVICE_READ_FAILED, `${file}: no number at ${c.pathText}`);
      else {
        out[c.source] = v;
        this.ctx.reads.ok(c.source);
      }
    }
    return out;
  }

  stats() {
    return this.ctx.reads.stats();
  }
}

export const externalJsonPlatform = definePlatform({
  name: 'external-json',
  description: "values from a JSON file another program rewrites (e.g. a detector's output), stale data dropped",
  schema,
  defaultIntervalMs: 5000,
  create: (config, ctx) => new ExternalJsonDevice(config, ctx),
});
