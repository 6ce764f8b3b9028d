/** Record keys and own-key helpers of the sensors projection, shared by its rollups, retention and queries. */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** 'm' for minute buckets, 'h' for hour buckets: the first part of a record key. */
export type Resolution = 'm' | 'h';

/** An own property only. Source names come from config and MQTT topics: a name like "__proto__" must stay an own key. */
export function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own property, even for a key like "__proto__". */
export function put<T>(obj: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** Record key prefix of a series; '/' and '%' in names are escaped so one source's range never holds another's. */
export function seriesPrefix(res: Resolution, origin: string, source: string): string {
  return `${res}/${escapeKey(origin)}/${escapeKey(source)}/`;
}

function escapeKey(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('/', '%2F');
}

/** A bucket start as a fixed-width key part, so keys sort in time order. */
export function pad(ms: number): string {
  return String(ms).padStart(13, '0');
}
