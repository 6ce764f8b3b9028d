import type { z } from 'zod';
import type { SmolEvent } from './event.js';
import { SmolError, ErrorCodes } from '../errors.js';

/** A schema for one (type, v), and how to lift data of version v to v + 1. */
export interface EventTypeSpec {
  readonly type: string;
  readonly v: number;
  readonly schema: z.ZodType;
  /** Turns data of this version into data of version v + 1. Absent for the newest version. */
  readonly upcast?: (data: unknown) => unknown;
  /**
   * A hand-written check for types validated by the million (segment import): true only for data
   * the schema accepts too; false sends the data to the schema, which decides and words the error.
   */
  readonly check?: (data: unknown) => boolean;
  /**
   * The same for the data's JSON text in place (`buf` from `start` to its end), before any parsing:
   * true only for text that JSON.parse reads as data the schema accepts.
   */
  readonly checkJson?: (buf: Uint8Array, start: number) => boolean;
}

/**
 * The registry of event schemas. Schema changes add a version plus an upcaster; stored events are
 * never rewritten, they are lifted on read. Unknown types (from a newer peer) are not errors here:
 * they are stored and forwarded, and projections ignore them.
 */
export class EventRegistry {
  private readonly specs = new Map<string, Map<number, EventTypeSpec>>();
  private readonly latest = new Map<string, number>();

  register(spec: EventTypeSpec): this {
    let versions = this.specs.get(spec.type);
    if (!versions) this.specs.set(spec.type, (versions = new Map()));
    if (versions.has(spec.v)) throw new TypeError(`event ${spec.type} v${spec.v} registered twice`);
    versions.set(spec.v, spec);
    this.latest.set(spec.type, Math.max(this.latest.get(spec.type) ?? 0, spec.v));
    return this;
  }

  registerAll(specs: Iterable<EventTypeSpec>): this {
    for (const s of specs) this.register(s);
    return this;
  }

  isKnown(type: string): boolean {
    return this.specs.has(type);
  }

  /** The newest registered version of `type`. */
  latestVersion(type: string): number | undefined {
    return this.latest.get(type);
  }

  types(): string[] {
    return [...this.specs.keys()].sort();
  }

  /**
   * Validates data of a known (type, v). Throws SMOL_EVENT_UNKNOWN_TYPE for a type we know but a
   * version we do not, SMOL_EVENT_INVALID with the failing path for bad data.
   * Returns false for a type we do not know at all (kept, not validated).
   */
  validate(type: string, v: number, data: unknown): boolean {
    const versions = this.specs.get(type);
    if (!versions) return false;
    const spec = versions.get(v);
    if (!spec) {
      // A newer version of a known type, written by a newer peer: kept like an unknown type.
      if (v > (this.latest.get(type) ?? 0)) return false;
      throw new SmolError(ErrorCodes.EVENT_UNKNOWN_TYPE, `${type} has no version ${v}`);
    }
    if (spec.check?.(data)) return true;
    const result = spec.schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : '(root)';
      throw new SmolError(ErrorCodes.EVENT_INVALID, `${type} v${v}: ${where}: ${issue?.message ?? 'invalid'}`, {
        details: { type, v, path: where },
      });
    }
    return true;
  }

  /**
   * True when (type, v) has a check of JSON text and the data JSON in `buf` from `start` passes it:
   * valid without parsing. False says nothing; parse the data and `validate` it.
   */
  checkJson(type: string, v: number, buf: Uint8Array, start: number): boolean {
    return this.specs.get(type)?.get(v)?.checkJson?.(buf, start) ?? false;
  }

  /** Lifts an event to the newest version of its type; events of unknown types come back as they are. */
  upcast<E extends SmolEvent>(event: E): E {
    const latest = this.latest.get(event.type);
    if (latest === undefined || event.v >= latest) return event;
    const versions = this.specs.get(event.type)!;
    let data = event.data;
    let v = event.v;
    while (v < latest) {
      const up = versions.get(v)?.upcast;
      if (!up) throw new TypeError(`no upcaster for ${event.type} v${v}`);
      data = up(data);
      v += 1;
    }
    return { ...event, v, data };
  }
}
