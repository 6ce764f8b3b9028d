import { html, type TemplateResult } from 'lit';

/** Numbers, sizes, durations and times for people, through Intl in the browser's locale. */

const number = (digits: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits });

/** A plain number: at most 3 decimals below 100, 1 above (grouped as the locale does). */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  return number(a >= 100 ? 1 : 3).format(v);
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;
/** Bytes as kB/MB/GB (decimal, as disks are sold): 84033994752 → "84 GB". */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${number(v >= 100 || i === 0 ? 0 : 1).format(v)} ${BYTE_UNITS[i]}`;
}

/** A duration: "45 s", "13 min", "5 h 20 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const SIZE_FACTORS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const TIME_FACTORS: Record<string, number> = { s: 1, ms: 0.001, min: 60, h: 3600 };

/** A value with its unit as one string: sizes and durations in human units, the rest as given. */
export function formatValue(v: number, unit: string | null | undefined): string {
  const u = unit ?? '';
  if (u in SIZE_FACTORS) return formatBytes(v * SIZE_FACTORS[u]!);
  if (u in TIME_FACTORS && Math.abs(v * TIME_FACTORS[u]!) >= 60) return formatDuration(v * TIME_FACTORS[u]!);
  return u ? `${formatNumber(v)} ${u}` : formatNumber(v);
}

/** A value in `unit` as [number, unit] for a big figure with a small unit beside it. */
export function valueParts(v: number, unit: string | null | undefined): [string, string] {
  const text = formatValue(v, unit);
  const m = /^(-?[\d.,\s  ]+?)\s+(\D.*)$/.exec(text);
  return m && !/\d/.test(m[2]!) ? [m[1]!, m[2]!] : [text, ''];
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
/** "3 min ago", "in 2 h" (relative to `now`, ms). */
export function formatAgo(ms: number, now = Date.now()): string {
  const s = (ms - now) / 1000;
  const a = Math.abs(s);
  if (a < 10) return 'just now';
  if (a < 60) return relative.format(Math.round(s), 'second');
  if (a < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (a < 86_400) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86_400), 'day');
}

/** The exact local date and time, for a title on hover. */
export function exactTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium', hour12: false });
}

/** A clock time ("19:26"), with the date when it is not today. */
export function clockTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date(now).toDateString();
  return d.toLocaleString(undefined, sameDay ? { hour: '2-digit', minute: '2-digit', hour12: false } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/** A <time> that says "3 min ago" and shows the exact time on hover. */
export function ago(ms: number | null | undefined, now = Date.now()): TemplateResult | string {
  if (!ms) return '—';
  return html`<time datetime=${new Date(ms).toISOString()} title=${exactTime(ms)}>${formatAgo(ms, now)}</time>`;
}

/** Labels the dashboard uses instead of the sensor's own where two would read the same. */
export function sourceLabel(r: { source: string; label: string | null }): string {
  if (r.source === 'system.uptime') return 'Machine uptime';
  return r.label ?? r.source;
}
