/**
 * Shapes of what the node's API and WebSocket send, imported from the code that sends them
 * (projections, routes) with `import type`: esbuild erases these imports, so no server code
 * reaches the bundle (ui/build.ts checks), and a changed answer breaks the dashboard's typecheck.
 */
export type { JournalEntry, SmolEvent } from '../../core/events/event.js';
export type { HistoryPoint, LatestReading } from '../../projections/sensors.js';
export type { PeerSyncInfo } from '../../projections/nodes.js';
export type { PinState } from '../../core/sensors/sensor-port.js';
export type { GpioAnswer as GpioView, HealthAnswer as Health, NodeEntry as NodeInfo, StatsAnswer as Stats } from '../../adapters/http/routes/api-node.js';
import type { PeerStatus } from '../../adapters/sync/peer-loop.js';

/** GET /sync/status: this node's vector and its HTTP peers as the background loop sees them now. */
export interface SyncStatus {
  node: string;
  cluster: string;
  vector: Record<string, number>;
  pending: number;
  trusted: Array<{ nodeId: string; name?: string; source: string }>;
  peers: Array<PeerStatus & { lag: number | null }>;
}

/** The wall-clock ms of an HLC string (12 hex digits of ms, 4 of counter). */
export function hlcMs(hlc: string): number {
  return parseInt(hlc.slice(0, 12), 16);
}

/** A short, local time for people. */
export function timeOf(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}
