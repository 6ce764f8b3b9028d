import { ErrorCodes } from '../../core/errors.js';
import type { UnitReport } from '../../core/runtime/units.js';
import type { MemoryStatus } from '../../core/runtime/memory-pressure.js';
import type { NodeInfo } from '../../projections/nodes.js';

/** Something on the overview a person should look at: what, how bad, about which node or unit, since when. */
export interface Alert {
  /** The stable code of the condition (SMOL_DISK_LOW, SMOL_CLOCK_SKEW, …). */
  code: string;
  severity: 'warning' | 'critical';
  message: string;
  /** The node it is about (origin), when it is about one. */
  node?: string;
  unit?: string;
  /** Wall ms when it began or was last reported. */
  at?: number;
}

/** What the alerts are made from: the journal's write state, the memory unit, the units, the nodes projection. */
export interface AlertInput {
  readonly self: string;
  readonly writeFault?: { readonly code: string; readonly sinceMs: number } | undefined;
  readonly diskLow?: boolean | undefined;
  readonly memory?: MemoryStatus | undefined;
  readonly units: readonly UnitReport[];
  readonly nodes: readonly NodeInfo[];
}

/** "90 s", "4 min", "3 h": a rough span for an alert's sentence (the UI formats the times it shows). */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/**
 * The overview's alerts, worst first: the journal refusing writes or low on disk, memory pressure,
 * failed or degraded units (unless an alert above already says why), clocks running ahead, peers
 * that delivered forged events, and this node's failing sync peers.
 */
export function overviewAlerts(input: AlertInput): Alert[] {
  const out: Alert[] = [];
  const name = (origin: string) => input.nodes.find((n) => n.origin === origin)?.name ?? origin.slice(0, 12);
  if (input.writeFault) {
    const full = input.writeFault.code === ErrorCodes.DISK_FULL;
    out.push({ code: input.writeFault.code, severity: 'critical', message: full ? 'The data disk is full: the journal refuses writes until there is room.' : 'The journal cannot write: writes are refused.', unit: 'journal', at: input.writeFault.sinceMs });
  } else if (input.diskLow) {
    out.push({ code: ErrorCodes.DISK_LOW, severity: 'warning', message: 'Free space on the data disk is low: observations, questions and sync imports are refused, readings go on.', unit: 'journal' });
  }
  const m = input.memory;
  if (m && (m.level === 'high' || m.level === 'critical')) {
    out.push({ code: ErrorCodes.MEMORY_PRESSURE, severity: m.level === 'critical' ? 'critical' : 'warning', message: `Memory pressure is ${m.level}: the node sheds work (catch-ups, large sync pushes, bulk builds) until it eases.`, unit: 'memory', at: m.sinceMs });
  }
  const said = new Set(out.map((a) => a.code));
  for (const u of input.units) {
    if (u.state !== 'failed' && u.state !== 'degraded') continue;
    if (u.code !== undefined && said.has(u.code)) continue;
    out.push({ code: u.code ?? ErrorCodes.INTERNAL, severity: u.state === 'failed' ? 'critical' : 'warning', message: `The ${u.name} unit is ${u.state}${u.message ? `: ${u.message}` : ''}.`, unit: u.name, ...(u.since !== undefined && Number.isFinite(Date.parse(u.since)) ? { at: Date.parse(u.since) } : {}) });
  }
  for (const n of input.nodes) {
    if (n.clockSkew?.active) {
      out.push({ code: ErrorCodes.CLOCK_SKEW, severity: 'warning', message: `The clock of ${name(n.origin)} runs ${span(n.clockSkew.aheadMs)} ahead of ${name(n.clockSkew.reportedBy)}'s: its events are stored, but do not move that clock.`, node: n.origin, at: n.clockSkew.at });
    }
    for (const p of Object.values(n.syncPeers)) {
      if (p.conflicts > 0) {
        out.push({ code: ErrorCodes.SEGMENT_CONFLICT, severity: 'critical', message: `${p.peerName ?? name(p.peer)} delivered ${p.conflicts} event${p.conflicts === 1 ? '' : 's'} to ${name(n.origin)} that differ${p.conflicts === 1 ? 's' : ''} from the ones it holds (forged or forked data); they were refused.`, node: p.peer, ...(p.lastConflict ? { at: p.lastConflict.at } : {}) });
      }
      if (n.origin === input.self && p.lastError) {
        out.push({ code: p.lastError.code, severity: 'warning', message: `Sync with ${p.peerName ?? name(p.peer)} fails (${p.lastError.attempts} attempt${p.lastError.attempts === 1 ? '' : 's'}): ${p.lastError.message}`, node: p.peer, at: p.lastError.at });
      }
    }
  }
  return out.sort((a, b) => Number(b.severity === 'critical') - Number(a.severity === 'critical'));
}
