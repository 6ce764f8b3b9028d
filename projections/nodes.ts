import { HLC_ZERO, hlcWall } from '../core/clock/hlc.js';
import type { Hlc } from '../core/clock/hlc.js';
import type { OriginHead } from '../core/journal/journal.js';
import type { SmolEvent } from '../core/events/event.js';
import { defineProjection, isKnownEvent } from '../core/projection/define-projection.js';

/** The last clock jump an origin reported, with the wall time (ms) of the event that reported it. */
export interface ClockJumpInfo {
  kind: 'backward' | 'forward';
  fromMs: number;
  toMs: number;
  at: number;
}

/** What an origin last journaled about syncing with one peer (sync.completed / sync.failed). */
export interface PeerSyncInfo {
  peer: string;
  peerName: string | null;
  via: 'http' | 'usb';
  /** What the peer was known to hold after the last exchange that moved events. */
  vector: Record<string, number>;
  /** Wall ms of the last exchange that moved events, and of the last failure. */
  lastSyncAt: number | null;
  sent: number;
  received: number;
  bytesSent: number;
  bytesReceived: number;
  /** The peer's clock minus the origin's (ms), when measured. */
  clockOffsetMs: number | null;
  lastError: { code: string; message: string; at: number; attempts: number } | null;
  /** Events the peer delivered that differ from the ones the origin holds (forged or forked data). */
  conflicts: number;
  lastConflict: ConflictInfo | null;
}

/** One conflict an origin journaled about a peer: which event, both hashes, how it came, when (wall ms). */
export interface ConflictInfo {
  eventId: string;
  ours: string;
  theirs: string;
  via: 'http' | 'usb';
  at: number;
}

/**
 * What a node reported about this origin's clock: it stamped events more than clock.maxOffsetMs
 * ahead of the reporter's clock. `active` until the reporter saw it back within the limit.
 */
export interface ClockSkewInfo {
  active: boolean;
  /** How far ahead (ms) at the last report (detected, or cleared). */
  aheadMs: number;
  reportedBy: string;
  /** Wall ms (the reporter's clock) of the report. */
  at: number;
}

/**
 * What is known about one origin from its events. `status` is what the node last journaled:
 * a node that lost power without `node.stopped` still reads 'started' here.
 */
export interface NodeInfo {
  origin: string;
  headSeq: number;
  headHlc: Hlc;
  events: number;
  /**
   * Wall ms of its oldest and newest event by the origin's own clock (hlc). What a node shows as
   * "last seen" of another origin is when it received that origin's newest event: see seenLocally.
   */
  firstSeen: number;
  lastSeen: number;
  name: string | null;
  role: 'llama' | 'alpaca' | null;
  publicKey: string | null;
  software: string | null;
  status: 'started' | 'stopped' | 'unknown';
  startedAt: number | null;
  stoppedAt: number | null;
  stopReason: string | null;
  /** The seq the origin's newest `feed.sealed` vouches for. */
  sealedSeq: number | null;
  clockJumps: number;
  lastJump: ClockJumpInfo | null;
  /** The last skew report about this origin's clock, by any node. */
  clockSkew: ClockSkewInfo | null;
  /** Peer node id → what this origin reported about syncing with it. */
  syncPeers: Record<string, PeerSyncInfo>;
}

/** Nodes state: origin → node. A handful of origins, so it is all state and no records. */
export interface NodesState {
  readonly nodes: Record<string, NodeInfo>;
}

/** Every known origin: head, last seen, identity, started/stopped, seals and clock jumps. */
export const nodesProjection = defineProjection({
  name: 'nodes',
  // 3: conflicts per peer and clock skew per origin.
  version: 3,
  handles: '*',
  initial: (): NodesState => ({ nodes: {} }),
  evolve(state, event) {
    const node = nodeOf(state, event);
    node.events += 1;
    if (event.seq > node.headSeq) {
      node.headSeq = event.seq;
      node.headHlc = event.hlc;
    }
    const wall = hlcWall(event.hlc);
    if (node.events === 1 || wall < node.firstSeen) node.firstSeen = wall;
    if (wall > node.lastSeen) node.lastSeen = wall;
    // Every event moves the head, whatever its type; only types and versions this build knows are read for their data.
    if (!isKnownEvent(event)) return state;
    switch (event.type) {
      case 'node.started': {
        const data = event.data;
        node.name = data.name;
        node.role = data.role;
        node.publicKey = data.publicKey;
        node.software = data.software;
        node.status = 'started';
        node.startedAt = wall;
        node.stopReason = null;
        break;
      }
      case 'node.stopped':
        node.status = 'stopped';
        node.stoppedAt = wall;
        node.stopReason = event.data.reason;
        break;
      case 'feed.sealed': {
        const seq = event.data.seq;
        if (node.sealedSeq === null || seq > node.sealedSeq) node.sealedSeq = seq;
        break;
      }
      case 'sync.completed': {
        const data = event.data;
        const peer = peerOf(node, data.peer, data.peerName, data.via);
        peer.vector = { ...data.peerVector };
        peer.lastSyncAt = wall;
        peer.sent += data.sent;
        peer.received += data.received;
        peer.bytesSent += data.bytesSent;
        peer.bytesReceived += data.bytesReceived;
        if (data.clockOffsetMs !== null) peer.clockOffsetMs = data.clockOffsetMs;
        peer.lastError = null;
        break;
      }
      case 'sync.failed': {
        const data = event.data;
        const peer = peerOf(node, data.peer ?? `name:${data.peerName ?? '?'}`, data.peerName, data.via);
        peer.lastError = { code: data.code, message: data.message, at: wall, attempts: data.attempts };
        break;
      }
      case 'sync.conflict.detected': {
        const data = event.data;
        const peer = peerOf(node, data.peer, data.peerName, data.via);
        peer.conflicts += 1;
        peer.lastConflict = { eventId: data.eventId, ours: data.ours, theirs: data.theirs, via: data.via, at: wall };
        break;
      }
      case 'clock.skew.detected': {
        const data = event.data;
        nodeFor(state, data.origin).clockSkew = { active: true, aheadMs: data.aheadMs, reportedBy: event.origin, at: wall };
        break;
      }
      case 'clock.skew.cleared': {
        const data = event.data;
        const skewed = nodeFor(state, data.origin);
        // Only the node that reported the skew can clear it: another's view may differ.
        if (skewed.clockSkew?.reportedBy === event.origin) skewed.clockSkew = { active: false, aheadMs: data.aheadMs, reportedBy: event.origin, at: wall };
        break;
      }
      case 'clock.jumped': {
        const data = event.data;
        node.clockJumps += 1;
        node.lastJump = { kind: data.kind, fromMs: data.fromMs, toMs: data.toMs, at: wall };
        break;
      }
      default:
        break; // a type that says nothing about nodes
    }
    return state;
  },
});

/** Every known node, sorted by origin; copies, so callers cannot change the state. */
export function listNodes(state: NodesState): NodeInfo[] {
  return Object.keys(state.nodes)
    .sort()
    .map((origin) => copy(state.nodes[origin]!));
}

/** One node by origin, or undefined when no event of it has been seen. */
export function getNode(state: NodesState, origin: string): NodeInfo | undefined {
  return Object.hasOwn(state.nodes, origin) ? copy(state.nodes[origin]!) : undefined;
}

function copy(node: NodeInfo): NodeInfo {
  const syncPeers = Object.fromEntries(
    Object.entries(node.syncPeers).map(([k, p]) => [k, { ...p, vector: { ...p.vector }, lastError: p.lastError && { ...p.lastError }, lastConflict: p.lastConflict && { ...p.lastConflict } }]),
  );
  return { ...node, lastJump: node.lastJump && { ...node.lastJump }, clockSkew: node.clockSkew && { ...node.clockSkew }, syncPeers };
}

/** A node as this node shows it: `lastSeen` by our clock, with the origin's own claim beside it. */
export type SeenNode = NodeInfo & {
  /** Wall ms of its newest event by its own clock (NodeInfo.lastSeen). */
  claimedLastSeen: number;
  /** 'received': when we ingested its newest event (our clock); 'own': this node, or a head stored before receive times were kept. */
  lastSeenBy: 'received' | 'own';
};

/**
 * "Last seen" from local receive time: for another origin, when this node ingested its newest
 * event (stamped at ingest in the journal's head), never the time the origin claims, which a
 * peer with a clock ten years ahead would put in 2036. Our own events carry our own clock.
 */
export function seenLocally(node: NodeInfo, head: OriginHead | undefined, self: string): SeenNode {
  const received = node.origin !== self ? head?.receivedAt : undefined;
  return { ...node, lastSeen: received ?? node.lastSeen, claimedLastSeen: node.lastSeen, lastSeenBy: received === undefined ? 'own' : 'received' };
}

/**
 * How far a peer was behind when `origin` last synced with it: the events of every origin in this
 * state that the peer's last reported vector lacked. Undefined when `origin` never reported the peer.
 */
export function syncLag(state: NodesState, origin: string, peer: string): number | undefined {
  const info = Object.hasOwn(state.nodes, origin) ? state.nodes[origin]!.syncPeers : undefined;
  const p = info && Object.hasOwn(info, peer) ? info[peer]! : undefined;
  if (!p) return undefined;
  let lag = 0;
  for (const n of Object.values(state.nodes)) lag += Math.max(0, n.headSeq - (Object.hasOwn(p.vector, n.origin) ? p.vector[n.origin]! : 0));
  return lag;
}

function peerOf(node: NodeInfo, peer: string, peerName: string | null, via: 'http' | 'usb'): PeerSyncInfo {
  if (!Object.hasOwn(node.syncPeers, peer)) {
    Object.defineProperty(node.syncPeers, peer, {
      value: { peer, peerName, via, vector: {}, lastSyncAt: null, sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, clockOffsetMs: null, lastError: null, conflicts: 0, lastConflict: null },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const p = node.syncPeers[peer]!;
  if (peerName !== null) p.peerName = peerName;
  p.via = via;
  return p;
}

function nodeOf(state: NodesState, event: SmolEvent): NodeInfo {
  return nodeFor(state, event.origin);
}

/** The node of an origin, created empty (no events yet) when a report about it comes first. */
function nodeFor(state: NodesState, origin: string): NodeInfo {
  if (Object.hasOwn(state.nodes, origin)) return state.nodes[origin]!;
  const node: NodeInfo = {
    origin,
    headSeq: 0,
    headHlc: HLC_ZERO,
    events: 0,
    firstSeen: 0,
    lastSeen: 0,
    name: null,
    role: null,
    publicKey: null,
    software: null,
    status: 'unknown',
    startedAt: null,
    stoppedAt: null,
    stopReason: null,
    sealedSeq: null,
    clockJumps: 0,
    lastJump: null,
    clockSkew: null,
    syncPeers: {},
  };
  // defineProperty keeps an odd origin like "__proto__" an own key instead of a prototype write.
  Object.defineProperty(state.nodes, origin, { value: node, enumerable: true, writable: true, configurable: true });
  return node;
}
