import type { OriginHead, VersionVector } from '../core/journal/journal.js';
import { listNodes, seenLocally, syncLag, type ClockSkewInfo, type NodesState, type SeenNode } from './nodes.js';
import type { ObservationRow } from './observations.js';
import { latestReadings, type LatestReading, type SensorsState } from './sensors.js';

/**
 * The fleet as a hub sees it: every node its journal holds events of, composed from the nodes and
 * sensors projections. Not a projection of its own: a query over theirs, at a given time.
 */

/** How long since a node was last seen it counts as online, and after how long offline (ms). */
export interface FleetThresholds {
  readonly onlineMs: number;
  readonly offlineMs: number;
}

/**
 * Peers sync every 30 s by default (sync.intervalMs): four missed rounds make a node stale, a
 * quarter of an hour offline. A node that journaled `node.stopped` is offline at once.
 */
export const FLEET_THRESHOLDS: FleetThresholds = { onlineMs: 2 * 60_000, offlineMs: 15 * 60_000 };

export type FleetStatus = 'online' | 'stale' | 'offline';

/** One node of the fleet, as GET /api/fleet lists it. */
export interface FleetNode {
  origin: string;
  name: string | null;
  role: 'llama' | 'alpaca' | null;
  /** The node answering (the hub itself). */
  self: boolean;
  status: FleetStatus;
  /** It journaled node.stopped after its last start (a clean stop, not a lost connection). */
  stopped: boolean;
  /** When this node received its newest event (its own clock for the answering node); see seenLocally. */
  lastSeen: number;
  lastSeenBy: SeenNode['lastSeenBy'];
  /** Its newest event's time by its own clock. */
  claimedLastSeen: number;
  headSeq: number;
  /** Events of it this node holds (the version vector). */
  heldSeq: number;
  /** The last sync between it and this node that moved events (wall ms), by whichever side reported it. */
  lastSyncAt: number | null;
  /** Events the receiving side lacked at that sync (the nodes page's "lag"); null: they never synced directly. */
  syncLag: number | null;
  /** Its clock minus this node's (ms), as measured at that sync; null when unknown. */
  clockOffsetMs: number | null;
  /** A standing report that its clock runs ahead (clock.skew.detected), or its last one. */
  clockSkew: ClockSkewInfo | null;
  /** A few of its latest readings (non-system sources first), and how many sources it has. */
  readings: LatestReading[];
  readingCount: number;
  /** Its newest observation (filled in by the caller, which reads the observations store). */
  observation: ObservationRow | null;
}

/** Online, stale or offline by the time since a node was last seen (the answering node is online). */
export function fleetStatus(node: Pick<FleetNode, 'self' | 'stopped' | 'lastSeen'>, now: number, t: FleetThresholds = FLEET_THRESHOLDS): FleetStatus {
  if (node.self) return 'online';
  if (node.stopped) return 'offline';
  const age = now - node.lastSeen;
  return age <= t.onlineMs ? 'online' : age <= t.offlineMs ? 'stale' : 'offline';
}

/** An own entry of a record keyed by node ids (never one from the prototype). */
const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined => (record && Object.hasOwn(record, key) ? record[key] : undefined);

/** The sources worth a glance first: a node's own sensors before its system figures. */
function keyReadings(readings: LatestReading[], count: number): LatestReading[] {
  const system = (r: LatestReading) => (r.source.startsWith('system.') ? 1 : 0);
  return [...readings].sort((a, b) => system(a) - system(b) || a.source.localeCompare(b.source)).slice(0, count);
}

/** What the fleet view needs of the node answering: its id, its journal's heads and vector. */
export interface FleetInput {
  readonly self: string;
  readonly nodes: NodesState;
  readonly sensors: SensorsState;
  readonly heads: ReadonlyMap<string, OriginHead>;
  readonly vector: VersionVector;
  readonly now: number;
  /** How many readings per node (default 4). */
  readonly readings?: number;
  readonly thresholds?: FleetThresholds;
}

/**
 * Every node with status, last seen, sync lag, clock offset and key readings, the answering node
 * first. Lag and offset come from this node's own sync reports about the other when it has one
 * (it pulled from it), else from the other's reports about this node (it pushed here), negated so
 * the offset is always "its clock minus ours".
 */
export function fleetNodes(input: FleetInput): FleetNode[] {
  const { self, now } = input;
  const selfInfo = own(input.nodes.nodes, self);
  const out = listNodes(input.nodes)
    .filter((n) => n.events > 0)
    .map((n): FleetNode => {
      const seen = seenLocally(n, input.heads.get(n.origin), self);
      // Only reports of a sync that moved events: a peer known from a failure or a conflict alone has no vector.
      const synced = <P extends { lastSyncAt: number | null }>(p: P | undefined) => (p?.lastSyncAt != null ? p : undefined);
      const ours = n.origin === self ? undefined : synced(own(selfInfo?.syncPeers, n.origin));
      const theirs = n.origin === self ? undefined : synced(own(n.syncPeers, self));
      const lastSyncAt = Math.max(ours?.lastSyncAt ?? 0, theirs?.lastSyncAt ?? 0) || null;
      const lag = ours ? syncLag(input.nodes, self, n.origin) : theirs ? syncLag(input.nodes, n.origin, self) : undefined;
      const offset = ours?.clockOffsetMs ?? (theirs?.clockOffsetMs != null ? -theirs.clockOffsetMs : null);
      const readings = latestReadings(input.sensors, { origin: n.origin });
      const base = {
        origin: n.origin,
        name: n.name,
        role: n.role,
        self: n.origin === self,
        stopped: n.status === 'stopped',
        lastSeen: seen.lastSeen,
        lastSeenBy: seen.lastSeenBy,
        claimedLastSeen: seen.claimedLastSeen,
        headSeq: n.headSeq,
        heldSeq: input.vector[n.origin] ?? 0,
        lastSyncAt,
        syncLag: lag ?? null,
        clockOffsetMs: offset,
        clockSkew: n.clockSkew,
        readings: keyReadings(readings, input.readings ?? 4),
        readingCount: readings.length,
        observation: null,
      };
      return { ...base, status: fleetStatus(base, now, input.thresholds) };
    });
  return out.sort((a, b) => Number(b.self) - Number(a.self) || (a.name ?? a.origin).localeCompare(b.name ?? b.origin));
}
