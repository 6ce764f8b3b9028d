/**
 * Clients that send large request bodies from a generator (never holding them), and a sampler of a
 * process's resident memory, for the body-limit test and the hardening benchmark.
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one flooding client saw. */
export interface FloodResult {
  /** The status line's code, when an answer came back before the connection closed. */
  readonly status: number | undefined;
  /** The SMOL_ code of the answer's body, when it had one. */
  readonly code: string | undefined;
  /** Body bytes the socket accepted from us (most never reached the server's process). */
  readonly written: number;
}

export interface FloodRequest {
  readonly port: number;
  readonly path: string;
  /** Default POST. */
  readonly method?: string;
  readonly headers: Record<string, string>;
  /** The body length to promise and (try to) send. */
  readonly bytes: number;
  /** Stop sending after this long even if the server keeps reading (ms; default 60 s). */
  readonly timeoutMs?: number;
}

/** The body, 64 KiB at a time, made as it is sent. */
function* bodyChunks(bytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < bytes; sent += chunk.length) yield bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
}

/** Sends one request (POST unless told) with a promised body of `bytes`, honouring backpressure, until done or the server closes. */
export function flood(r: FloodRequest): Promise<FloodResult> {
  return new Promise((resolve) => {
    const socket = connect(r.port, '127.0.0.1');
    let response = '';
    let written = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
      const code = /"code"\s*:\s*"(SMOL_[A-Z_]+)"/.exec(response)?.[1];
      resolve({ status: status ? Number(status) : undefined, code, written });
    };
    const timer = setTimeout(finish, r.timeoutMs ?? 60_000);
    socket.on('data', (d: Buffer) => {
      if (response.length < 8192) response += d.toString('latin1');
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', async () => {
      const head = [`${r.method ?? 'POST'} ${r.path} HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${r.bytes}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head);
      for (const chunk of bodyChunks(r.bytes)) {
        if (finished || socket.destroyed || !socket.writable) return;
        written += chunk.length;
        if (!socket.write(chunk)) await new Promise<void>((go) => {
          const on = () => {
            socket.off('drain', on);
            socket.off('close', on);
            go();
          };
          socket.on('drain', on);
          socket.on('close', on);
        });
      }
      // Everything sent: wait for the answer (or the close).
      if (response.includes('\r\n\r\n')) finish();
      else socket.once('data', () => setTimeout(finish, 50));
    });
  });
}

/** A process's resident set size (MB), from /proc/<pid>/status; undefined when it cannot be read. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop()` gives the peak (MB). */
export function sampleRss(pid: number, intervalMs = 10): { stop(): number | undefined } {
  let peak: number | undefined;
  const take = () => {
    const v = rssMb(pid);
    if (v !== undefined) peak = Math.max(peak ?? 0, v);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** A running body-node-child: its pid and port, the trusted id it knows, and how to stop it. */
export interface BodyNode {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly trusted: string;
  stop(): Promise<void>;
}

/** Forks test/helpers/body-node-child.ts on `dir` and waits until it listens. */
export async function startBodyNode(dir: string): Promise<BodyNode> {
  const child = fork(fileURLToPath(new URL('./body-node-child.ts', import.meta.url)), [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ port: number; trusted: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('body-node-child did not start within 60 s')), 60_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as { port: number; trusted: string });
    });
    child.once('exit', (code) => reject(new Error(`body-node-child exited with ${code}`)));
  });
  return {
    child,
    pid: child.pid!,
    ...ready,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ op: 'exit' });
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
