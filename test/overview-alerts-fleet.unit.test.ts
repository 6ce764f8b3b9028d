import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import type { MemoryStatus } from '../core/runtime/memory-pressure.js';
import { overviewAlerts } from '../adapters/http/overview-alerts.js';
import { FLEET_THRESHOLDS, fleetStatus } from '../projections/fleet.js';
import type { NodeInfo, PeerSyncInfo } from '../projections/nodes.js';

const MIN = 60_000;
const memory = (level: MemoryStatus['level']): MemoryStatus => ({ level, sinceMs: 1000, budgetBytes: 512 << 20, sample: undefined });
const node = (origin: string, name: string, syncPeers: Record<string, PeerSyncInfo> = {}): NodeInfo => ({
  origin, name, headSeq: 1, headHlc: '0000000000000000', events: 1, firstSeen: 0, lastSeen: 0, role: 'alpaca', publicKey: null, software: null,
  status: 'started', startedAt: 0, stoppedAt: null, stopReason: null, sealedSeq: null, clockJumps: 0, lastJump: null, clockSkew: null, syncPeers,
});
const peer = (p: Partial<PeerSyncInfo> & { peer: string }): PeerSyncInfo => ({
  peerName: null, via: 'http', vector: {}, lastSyncAt: null, sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, clockOffsetMs: null, lastError: null, conflicts: 0, lastConflict: null, ...p,
});

t.test('a calm node has no alerts', async (t) => {
  t.same(overviewAlerts({ self: 'a', memory: memory('elevated'), units: [{ name: 'journal', state: 'running' }], nodes: [node('a', 'hub')] }), []);
});

t.test('a full disk is critical and says so once, whatever the units repeat', async (t) => {
  const alerts = overviewAlerts({
    self: 'a',
    writeFault: { code: ErrorCodes.DISK_FULL, sinceMs: 5000 },
    diskLow: true,
    units: [{ name: 'journal', state: 'degraded', code: ErrorCodes.DISK_FULL, message: 'disk full' }],
    nodes: [],
  });
  t.same(alerts.map((a) => [a.severity, a.code, a.at]), [['critical', ErrorCodes.DISK_FULL, 5000]], 'not also SMOL_DISK_LOW, not the journal unit again');
});

t.test('low disk and memory pressure are warnings; critical memory is critical; the memory unit is not repeated', async (t) => {
  const alerts = overviewAlerts({ self: 'a', diskLow: true, memory: memory('high'), units: [{ name: 'memory', state: 'degraded', code: ErrorCodes.MEMORY_PRESSURE }], nodes: [] });
  t.same(alerts.map((a) => [a.severity, a.code]), [['warning', ErrorCodes.DISK_LOW], ['warning', ErrorCodes.MEMORY_PRESSURE]]);
  t.equal(overviewAlerts({ self: 'a', memory: memory('critical'), units: [], nodes: [] })[0]?.severity, 'critical');
});

t.test("this node's failing sync peers are warnings; another node's failures are its own business", async (t) => {
  const failing = peer({ peer: 'b', peerName: 'barn', lastError: { code: ErrorCodes.SYNC_PEER_FAILED, message: 'connect ECONNREFUSED', at: 7000, attempts: 3 } });
  const alerts = overviewAlerts({ self: 'a', units: [], nodes: [node('a', 'hub', { b: failing }), node('c', 'cellar', { b: failing })] });
  t.same(alerts.map((a) => [a.severity, a.code, a.node, a.at]), [['warning', ErrorCodes.SYNC_PEER_FAILED, 'b', 7000]]);
  t.match(alerts[0]!.message, /Sync with barn fails \(3 attempts\): connect ECONNREFUSED/);
});

t.test('online, stale and offline by the time since last seen; the answering node is online; a stopped node is offline', async (t) => {
  const at = (ago: number, more: { self?: boolean; stopped?: boolean } = {}) => fleetStatus({ self: false, stopped: false, lastSeen: 100 * MIN - ago, ...more }, 100 * MIN);
  t.equal(at(FLEET_THRESHOLDS.onlineMs), 'online', 'at 2 min: still online');
  t.equal(at(FLEET_THRESHOLDS.onlineMs + 1), 'stale');
  t.equal(at(FLEET_THRESHOLDS.offlineMs), 'stale', 'at 15 min: still stale');
  t.equal(at(FLEET_THRESHOLDS.offlineMs + 1), 'offline');
  t.equal(at(0, { stopped: true }), 'offline', 'stopped a moment ago');
  t.equal(at(60 * MIN, { self: true }), 'online', 'the hub itself, whatever its last event');
});
