/**
 * Hand-written checks of `reading.sampled` v1 data, for segment import, which validates millions of
 * them. Each is stricter than the zod schema (ReadingSampled in core-events.ts), never looser: when
 * one says no, the data goes through JSON.parse and the schema, which decide and word the error.
 */

/**
 * ReadingSampled by hand, for import's millions of readings: a plain object whose `values` is a
 * plain object of own string keys (not empty) to finite numbers. Stricter than the schema, never looser.
 */
export function isReadingSampled(data: unknown): boolean {
  if (!isPlain(data)) return false;
  const values = (data as { values?: unknown }).values;
  if (!isPlain(values)) return false;
  // for…in is three times faster than Reflect.ownKeys; on a plain object it sees the same
  // enumerable string keys, and symbol keys (which the schema refuses) are looked for after.
  for (const key in values as object) {
    if (key.length === 0) return false;
    const value = (values as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  }
  return Object.getOwnPropertySymbols(values).length === 0;
}

function isPlain(x: unknown): boolean {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}


const PREFIX = Buffer.from('{"values":{', 'latin1');

/**
 * The data's JSON text checked in place, without parsing it: `{"values":{"<key>":<number>,…}}` as
 * JSON.stringify writes it. Keys of printable ASCII without quotes or backslashes, numbers without
 * an exponent and with at most 300 integer digits (so finite); no whitespace, nothing after.
 * `start` is where the JSON starts in `buf`; it runs to the end of `buf`.
 */
export function isReadingSampledJson(buf: Uint8Array, start: number): boolean {
  const end = buf.length;
  let i = start;
  if (end - i < PREFIX.length + 2) return false;
  for (let k = 0; k < PREFIX.length; k++) if (buf[i + k] !== PREFIX[k]) return false;
  i += PREFIX.length;
  if (buf[i] === CLOSE) {
    i++;
  } else {
    for (;;) {
      if (buf[i] !== QUOTE) return false;
      const keyStart = ++i;
      for (; i < end && buf[i] !== QUOTE; i++) {
        const c = buf[i]!;
        if (c < 0x20 || c > 0x7e || c === BACKSLASH) return false;
      }
      if (i >= end || i === keyStart) return false;
      if (buf[++i] !== COLON) return false;
      i++;
      if (buf[i] === MINUS) i++;
      const digits = i;
      if (buf[i] === ZERO) i++;
      else if (isOneToNine(buf[i])) while (isDigit(buf[i])) i++;
      else return false;
      if (i - digits > 300) return false;
      if (buf[i] === DOT) {
        const fraction = ++i;
        while (isDigit(buf[i])) i++;
        if (i === fraction) return false;
      }
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      if (buf[i] !== CLOSE) return false; // an exponent, whitespace, anything else: the schema decides
      i++;
      break;
    }
  }
  return buf[i] === CLOSE && i + 1 === end;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isOneToNine(c: number | undefined): boolean {
  return c !== undefined && c >= 0x31 && c <= 0x39;
}
