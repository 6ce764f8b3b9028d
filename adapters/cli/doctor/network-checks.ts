import { createServer } from 'node:net';
import { connect } from 'mqtt';
import type { Config } from '../../config/schema.js';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import { readStatusFile } from '../data-dir.js';
import { TrustStore } from '../../sync/trust-store.js';
import { fail, fetchWithin, ok, reason, warn, type CheckResult } from './check.js';

/** How long a network check waits for an answer: a doctor on a Pi with nothing running must not hang. */
export const NETWORK_TIMEOUT_MS = 3000;

/** The node running on this data directory (status file and a live pid), if any. */
export async function runningNode(dataDir: string): Promise<{ pid: number } | undefined> {
  const status = await readStatusFile(dataDir).catch(() => undefined);
  if (!status?.running) return undefined;
  try {
    process.kill(status.pid, 0);
    return { pid: status.pid };
  } catch (err) {
    // EPERM: alive, but another user's process (the service user's node, seen by a login user).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? { pid: status.pid } : undefined;
  }
}

/** Tries to bind host:port and lets it go again; resolves with the errno code, or undefined when free. */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EUNKNOWN'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

async function checkPort(name: string, host: string, port: number, code: string, key: string, node: { pid: number } | undefined): Promise<CheckResult> {
  if (port === 0) return ok(name, `${key} is 0: any free port`);
  const problem = await tryBind(host, port);
  if (problem === undefined) return ok(name, `${host}:${port} is free`);
  if (problem === 'EADDRINUSE' && node) return ok(name, `${host}:${port} is held by this node (running, pid ${node.pid})`);
  if (problem === 'EADDRINUSE') return fail(name, `${host}:${port} is in use by another program`, `find it with: sudo ss -ltnp 'sport = :${port}', stop it, or set ${key} to a free port`, code);
  if (problem === 'EACCES') return fail(name, `${host}:${port}: permission denied (ports below 1024 need privileges)`, `set ${key} to 1024 or above`, code);
  if (problem === 'EADDRNOTAVAIL') return fail(name, `${host} is not an address of this machine`, `set the host to 0.0.0.0, 127.0.0.1 or an address this machine has`, code);
  return fail(name, `${host}:${port} cannot be bound (${problem})`, `set ${key} to another port`, code);
}

/** The HTTP port, and the embedded broker's port when that broker would run; a running node holding them is fine. */
export async function checkPorts(config: Config): Promise<CheckResult[]> {
  const node = await runningNode(config.dataDir);
  const checks = [checkPort('http port', config.http.host, config.http.port, ErrorCodes.HTTP_LISTEN_FAILED, 'http.port', node)];
  if (config.mqtt.enabled && config.mqtt.url === '') {
    checks.push(checkPort('mqtt port', config.mqtt.embeddedHost, config.mqtt.embeddedPort, ErrorCodes.MQTT_LISTEN_FAILED, 'mqtt.embeddedPort', node));
  }
  return Promise.all(checks);
}

/** The configured MQTT broker: a real connect (and disconnect) within NETWORK_TIMEOUT_MS. */
export async function checkBroker(config: Config, timeoutMs = NETWORK_TIMEOUT_MS): Promise<CheckResult> {
  const name = 'mqtt broker';
  if (!config.mqtt.enabled) return ok(name, 'MQTT is off (mqtt.enabled: false)');
  if (config.mqtt.url === '') return ok(name, 'none configured: the node runs its embedded broker');
  const url = config.mqtt.url;
  const problem = await new Promise<string | undefined>((resolve) => {
    const client = connect(url, {
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      clientId: `smollama-doctor-${process.pid}`,
      ...(config.mqtt.username ? { username: config.mqtt.username, password: config.mqtt.password } : {}),
    });
    const timer = setTimeout(() => done('no answer'), timeoutMs + 500);
    const done = (p: string | undefined) => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      resolve(p);
    };
    client.once('connect', () => done(undefined));
    client.once('error', (err) => done(reason(err)));
    client.once('close', () => done('the connection closed'));
  });
  if (problem === undefined) return ok(name, `${url} accepts connections`);
  return fail(name, `${url} is not reachable: ${problem}`, 'start the broker (sudo systemctl start mosquitto), fix mqtt.url / username / password, or empty mqtt.url to run the embedded broker', ErrorCodes.MQTT_UNREACHABLE);
}

/** trust.json can be read (a damaged one is SMOL_FILE_CORRUPT and is never replaced by the node). */
export async function checkTrust(config: Config): Promise<CheckResult> {
  const name = 'trust list';
  try {
    const trust = await TrustStore.open(config.dataDir, config.sync.trusted);
    const n = trust.list().length;
    return ok(name, n === 0 ? 'no trusted nodes yet (smollama trust add KEY --name NAME)' : `${n} trusted node(s)`);
  } catch (err) {
    if (isSmolError(err, ErrorCodes.FILE_CORRUPT)) {
      return fail(name, err.message, 'restore trust.json from a backup, or move it away and add the nodes again with smollama trust add', err.code);
    }
    if (isSmolError(err)) return fail(name, err.message, 'fix sync.trusted in the config', err.code);
    throw err;
  }
}

/** Each HTTP peer answers /api/health within the timeout. A peer away is a warning: nodes are offline-first. */
export async function checkPeers(config: Config, timeoutMs = NETWORK_TIMEOUT_MS): Promise<CheckResult[]> {
  if (config.sync.peers.length === 0) return [ok('peers', 'no HTTP peers configured (sync.peers)')];
  return Promise.all(
    config.sync.peers.map(async (p): Promise<CheckResult> => {
      const name = `peer ${p.name}`;
      const url = new URL('/api/health', p.url).href;
      try {
        const res = await fetchWithin(url, timeoutMs);
        const body = (await res.json().catch(() => undefined)) as { node?: { name?: unknown; software?: unknown } } | undefined;
        if (!res.ok) return warn(name, `${url} answered ${res.status}`, `check that ${p.url} is a smollama node`, ErrorCodes.SYNC_PEER_FAILED);
        return ok(name, `${p.url} answers (${String(body?.node?.name ?? '?')}, ${String(body?.node?.software ?? '?')})`);
      } catch (err) {
        return warn(name, `${p.url} is not reachable: ${reason(err)}`, `start that node, check the network and sync.peers[].url (sync resumes by itself when it is back)`, ErrorCodes.SYNC_PEER_FAILED);
      }
    }),
  );
}
