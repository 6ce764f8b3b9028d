/** Shapes of what the node's API and WebSocket send (the subset the dashboard reads). */
export interface SmolEvent {
  id: string;
  origin: string;
  seq: number;
  hlc: string;
  type: string;
  v: number;
  data: unknown;
}
export interface JournalEntry {
  position: number;
  event: SmolEvent;
}
export interface LatestReading {
  origin: string;
  source: string;
  value: number;
  at: number;
  unit: string | null;
  label: string | null;
  simulated: boolean;
  /** Home Assistant device class (temperature, door, …), if the source declared one. */
  deviceClass?: string | null;
  /** 0/1 values: drawn as an on/off timeline. */
  binary?: boolean;
}
export interface HistoryPoint {
  start: number;
  min: number;
  max: number;
  mean: number;
  count: number;
}
export interface NodeInfo {
  origin: string;
  name: string | null;
  role: string | null;
  headSeq: number;
  heldSeq: number;
  events: number;
  /** When this node received its newest event (our clock); this node's own: its own clock. */
  lastSeen: number;
  /** Its newest event's time by its own clock, which may be far off (clockSkew). */
  claimedLastSeen?: number;
  lastSeenBy?: 'received' | 'own';
  status: string;
  software: string | null;
  sealedSeq: number | null;
  clockJumps: number;
  lastJump: { kind: 'backward' | 'forward'; fromMs: number; toMs: number; at: number } | null;
  /** A node reported this one's clock runs more than clock.maxOffsetMs ahead (active until back within). */
  clockSkew?: { active: boolean; aheadMs: number; reportedBy: string; at: number } | null;
  self: boolean;
  /** Peer id → what this node journaled about syncing with it (sync.completed / sync.failed). */
  syncPeers: Record<string, PeerSyncInfo>;
}
export interface PeerSyncInfo {
  peer: string;
  peerName: string | null;
  via: 'http' | 'usb';
  vector: Record<string, number>;
  lastSyncAt: number | null;
  sent: number;
  received: number;
  clockOffsetMs: number | null;
  lastError: { code: string; message: string; at: number; attempts: number } | null;
  /** Events the peer delivered that differ from ours (forged or forked data), and the last one. */
  conflicts?: number;
  lastConflict?: { eventId: string; ours: string; theirs: string; via: 'http' | 'usb'; at: number } | null;
}
/** GET /sync/status: this node's vector and its HTTP peers as the background loop sees them now. */
export interface SyncStatus {
  node: string;
  cluster: string;
  vector: Record<string, number>;
  pending: number;
  trusted: Array<{ nodeId: string; name?: string; source: string }>;
  peers: Array<{
    name: string;
    url: string;
    peer: string | null;
    lastOkAt: number | null;
    failures: number;
    lastError: { code: string; message: string; at: number } | null;
    nextAt: number | null;
    lag: number | null;
    lastResult: { clockOffsetMs: number | null; sent: number; received: number } | null;
  }>;
}
export interface PinState {
  name: string;
  pin: number;
  direction: 'input' | 'output';
  value: 0 | 1 | undefined;
  simulated: boolean;
}
export interface GpioView {
  available?: boolean;
  mode: 'hardware' | 'simulated' | null;
  hardwareAvailable: boolean;
  pins: PinState[];
}
export interface Health {
  status: string;
  node: { id: string; name: string; role: string; software: string };
  uptimeS: number;
  lastPosition: number;
  projections: Record<string, { position: number; lag: number }>;
  /** The memory unit's level and figures (MB; null: not read). Absent on a node without it. */
  memory?: { level: 'normal' | 'elevated' | 'high' | 'critical'; budgetMb: number | null; budgetHeld: boolean; rssMb: number | null; availableMb: number | null };
}
export interface Stats {
  lastPosition: number;
  origins: number;
  sources: number;
  readings: number;
  uptimeS: number;
}

/** The wall-clock ms of an HLC string (12 hex digits of ms, 4 of counter). */
export function hlcMs(hlc: string): number {
  return parseInt(hlc.slice(0, 12), 16);
}

/** A short, local time for people. */
export function timeOf(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}
