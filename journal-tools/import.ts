import type { ImportReport, SyncPort } from '../core/sync/sync-port.js';
import type {} from '../core/events/sync-events.js'; // brings sync.completed / sync.failed into EventDataMap
import type { ToolProgress } from './progress.js';

export interface ImportSummary {
  readonly reports: ImportReport[];
  readonly applied: number;
  readonly failed: number;
  readonly held: number;
}

/**
 * `journal import`: every segment in the given files and directories, verified and applied;
 * held ones kept for later. Journals one `sync.completed` (via usb) per exporter that brought events.
 * `onProgress` hears the bytes read of each path's segment files, with the path.
 */
export async function importSegments(sync: SyncPort, paths: readonly string[], now: () => number = Date.now, onProgress?: ToolProgress): Promise<ImportSummary> {
  const started = now();
  const reports: ImportReport[] = [];
  for (const p of paths) reports.push(...(await sync.importPath(p, onProgress ? (done, total) => onProgress(done, total, p) : undefined)));
  const byExporter = new Map<string, { received: number; bytes: number }>();
  for (const r of reports) {
    if (!r.exporter || r.applied === 0) continue;
    const e = byExporter.get(r.exporter) ?? { received: 0, bytes: 0 };
    byExporter.set(r.exporter, { received: e.received + r.applied, bytes: e.bytes + r.bytes });
  }
  for (const [peer, e] of byExporter) {
    if (peer === sync.journal.nodeId) continue;
    await sync.journal.appendOne('sync.completed', {
      peer,
      peerName: sync.trust.get(peer)?.name ?? null,
      via: 'usb',
      sent: 0,
      received: e.received,
      bytesSent: 0,
      bytesReceived: e.bytes,
      peerVector: sync.peers.get(peer).known,
      durationMs: now() - started,
      clockOffsetMs: null,
    });
  }
  const held = (await sync.pendingFiles()).length;
  return {
    reports,
    applied: reports.reduce((n, r) => n + r.applied, 0),
    failed: reports.filter((r) => r.status === 'failed').length,
    held,
  };
}
