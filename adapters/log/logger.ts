import { fstatSync } from 'node:fs';
import pino from 'pino';
import { prettyLine } from './pretty.js';

/** The node's logger: pino, as fastify uses it. A unit gets `logger.child({ unit })`. */
export type Logger = pino.Logger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'pretty' | 'json' | 'auto';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where a finished line goes (without its newline): the CLI's stdout. */
  readonly write: (line: string) => void;
  /** Whether stdout is a terminal: `auto` is pretty there, JSON elsewhere. */
  readonly tty: boolean;
  /** stdout is journald's stream: each line starts with `<N>`, so journald keeps the level (`journalctl -p err`). */
  readonly journald: boolean;
}

// syslog priorities (sd-daemon(3)): journald reads a leading `<N>` as the line's priority.
const SYSLOG_PRIORITY: Readonly<Record<string, number>> = { fatal: 2, error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

/** The format `auto` resolves to. */
export function resolveFormat(format: LogFormat, tty: boolean): 'pretty' | 'json' {
  return format === 'auto' ? (tty ? 'pretty' : 'json') : format;
}

/**
 * The root logger of a node: JSON lines (`{"level":"info","time":"…","unit":"http","msg":"…"}`)
 * or readable lines for a terminal, written synchronously through `write` so nothing logged
 * before an exit is lost. No transport, no worker thread: a Pi has none to spare.
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = resolveFormat(options.format, options.tty);
  const destination = {
    write(chunk: string) {
      const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      const text = format === 'pretty' ? prettyLine(line) : line;
      if (!options.journald) return options.write(text);
      const level = /^\{"level":"(\w+)"/.exec(line)?.[1] ?? 'info';
      options.write(`<${SYSLOG_PRIORITY[level] ?? 6}>${text}`);
    },
  };
  return pino(
    {
      level: options.level,
      // journald and the terminal know the host and the pid; keep the lines short.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that drops everything: for code paths (tests, `smollama ask`) that take one but should say nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Whether stdout is the journal stream systemd connected (JOURNAL_STREAM names its device and
 * inode, systemd.exec(5)); false when it is a pipe or file of its own, even under systemd.
 */
export function stdoutIsJournal(journalStream: string | undefined): boolean {
  if (!journalStream) return false;
  try {
    const st = fstatSync(1);
    return journalStream === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/**
 * The `(message, fields)` log function the core's ports and older adapters take, writing to a
 * unit's logger. A message that says something failed is a warning; the rest is info. Identical
 * lines (a broker that stays down, a sensor that cannot be read) go through `limit`, so they are
 * logged once and then counted.
 */
export function portLog(
  logger: Logger,
  limit?: (key: string, write: (repeated: number) => void) => void,
): (message: string, fields?: Record<string, unknown>) => void {
  // Older adapters prefix their lines with their part (`mqtt: …`); the unit field says that now.
  const unit = logger.bindings()['unit'];
  const prefix = typeof unit === 'string' ? `${unit}: ` : undefined;
  return (line, fields) => {
    const message = prefix && line.startsWith(prefix) ? line.slice(prefix.length) : line;
    const level = isProblem(message, fields) ? 'warn' : 'info';
    const write = (repeated: number) => logger[level]({ ...fields, ...(repeated > 0 ? { repeated } : {}) }, repeated > 0 ? `${message} (${repeated} more like it since)` : message);
    if (limit && level === 'warn') limit(`${message}|${fields ? JSON.stringify(fields) : ''}`, write);
    else write(0);
  };
}

const PROBLEM = /SMOL_[A-Z_]+|fail|cannot|unreachable|refused|gave up|error|invalid|unsupported|not supported|ECONN|timed? ?out|not /i;

function isProblem(message: string, fields: Record<string, unknown> | undefined): boolean {
  return PROBLEM.test(message) || fields?.['error'] !== undefined || fields?.['code'] !== undefined;
}
