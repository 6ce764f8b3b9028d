import { HLC_ZERO, hlcWall } from '../core/clock/hlc.js';
import type { Hlc } from '../core/clock/hlc.js';
import type { EventDataMap } from '../core/events/core-events.js';
import type { SmolEvent } from '../core/events/event.js';
import type { Projection } from '../core/projection/projection.js';

/** The last clock jump an origin reported, with the wall time (ms) of the event that reported it. */
export interface ClockJumpInfo {
  kind: 'backward' | 'forward';
  fromMs: number;
  toMs: number;
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
  /** Wall ms of its oldest and newest event (by hlc). */
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
}

/** Nodes state: origin → node. A handful of origins, so it is all state and no records. */
export interface NodesState {
  readonly nodes: Record<string, NodeInfo>;
}

/** Every known origin: head, last seen, identity, started/stopped, seals and clock jumps. */
export const nodesProjection: Projection<NodesState> = {
  name: 'nodes',
  version: 1,
  handles: '*',
  initial: () => ({ nodes: {} }),
  apply(state, event) {
    const node = nodeOf(state, event);
    node.events += 1;
    if (event.seq > node.headSeq) {
      node.headSeq = event.seq;
      node.headHlc = event.hlc;
    }
    const wall = hlcWall(event.hlc);
    if (node.events === 1 || wall < node.firstSeen) node.firstSeen = wall;
    if (wall > node.lastSeen) node.lastSeen = wall;
    // Every event moves the head; only versions this code knows are read for their data.
    if (event.v !== 1) return state;
    switch (event.type) {
      case 'node.started': {
        const data = event.data as EventDataMap['node.started'];
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
        node.stopReason = (event.data as EventDataMap['node.stopped']).reason;
        break;
      case 'feed.sealed': {
        const seq = (event.data as EventDataMap['feed.sealed']).seq;
        if (node.sealedSeq === null || seq > node.sealedSeq) node.sealedSeq = seq;
        break;
      }
      case 'clock.jumped': {
        const data = event.data as EventDataMap['clock.jumped'];
        node.clockJumps += 1;
        node.lastJump = { kind: data.kind, fromMs: data.fromMs, toMs: data.toMs, at: wall };
        break;
      }
      default:
        break;
    }
    return state;
  },
};

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
  return { ...node, lastJump: node.lastJump && { ...node.lastJump } };
}

function nodeOf(state: NodesState, event: SmolEvent): NodeInfo {
  if (Object.hasOwn(state.nodes, event.origin)) return state.nodes[event.origin]!;
  const node: NodeInfo = {
    origin: event.origin,
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
  };
  // defineProperty keeps an odd origin like "__proto__" an own key instead of a prototype write.
  Object.defineProperty(state.nodes, event.origin, { value: node, enumerable: true, writable: true, configurable: true });
  return node;
}
