// A readable line for a terminal from one of pino's JSON lines; hand-written (no pino-pretty).

const LEVEL_TEXT: Readonly<Record<string, string>> = { fatal: 'FATAL', error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG', trace: 'TRACE' };
const SHOWN_APART = new Set(['level', 'time', 'unit', 'msg', 'err']);

const value = (v: unknown): string => (typeof v === 'string' ? (/\s/.test(v) || v === '' ? JSON.stringify(v) : v) : JSON.stringify(v));

/** `21:14:03.120 WARN  mqtt: broker unreachable url=mqtt://…` (the error's code and message after it). */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 23) : '';
  const level = LEVEL_TEXT[String(record['level'])] ?? String(record['level']);
  const unit = record['unit'] !== undefined ? `${String(record['unit'])}: ` : '';
  const fields = Object.entries(record).filter(([k]) => !SHOWN_APART.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  const err = record['err'] as { type?: string; code?: string; message?: string } | undefined;
  const why = err ? ` — ${err.code ?? err.type ?? 'Error'}: ${err.message ?? ''}` : '';
  return `${time} ${level} ${unit}${String(record['msg'] ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}${why}`;
}
