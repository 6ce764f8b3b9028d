import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { missingProgram } from './required-program.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';
export const MOSQUITTO_RR = '/usr/bin/mosquitto_rr';

/** Why the mosquitto tests cannot run here (loudly, or an error under CI=true), or undefined. */
export function mosquittoMissing(clients: readonly string[] = [MOSQUITTO_SUB]): string | undefined {
  return missingProgram(MOSQUITTO, 'apt-get install -y --no-install-recommends mosquitto') ?? clients.map((c) => missingProgram(c, 'apt-get install -y --no-install-recommends mosquitto-clients')).find(Boolean);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}

export function waitForPort(port: number, ms = 10_000): Promise<void> {
  const listens = () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
  return waitFor(listens, { timeoutMs: ms, message: `something to listen on 127.0.0.1:${port}`, intervalMs: 50 });
}

/**
 * Debian's mosquitto on a free loopback port, with the settings of deploy/mosquitto.conf and
 * persistence, so a restart keeps sessions; `persistence: false` makes a restart forget everything
 * (retained messages too), like a broker without a database.
 */
export async function mosquitto(t: Test, options: { persistence?: boolean } = {}) {
  const dir = tempDir(t, 'smollama-mosquitto-');
  // Run as root, mosquitto drops to its own user: it must be able to write its database here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'max_inflight_messages 0', ...(options.persistence === false ? ['persistence false'] : ['persistence true', `persistence_location ${dir}/`]), ''].join('\n'));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(port);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  await start();
  t.teardown(stop);
  return { port, url: `mqtt://127.0.0.1:${port}`, start, stop };
}
