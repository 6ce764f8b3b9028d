import { hlcToIso } from '../../../core/clock/hlc.js';
import type { JournalEntry } from '../../../core/events/event.js';
import type { InspectedEvent } from '../../../journal-tools/inspect.js';
import { dirSize, withSize, type JournalCounts, type JournalStats } from '../../../journal-tools/stats.js';
import type { TailOptions } from '../../../journal-tools/tail.js';
import type { Config } from '../../config/schema.js';
import { dataPaths } from '../data-dir.js';
import { emit, type Output } from '../output.js';
import { followRemote, getJson, remoteTail, type RunningNodeApi } from '../remote-node.js';

/**
 * `journal stats`, `tail [--follow]` and `inspect` next to a running node, through its API and
 * /ws (remote-node.ts). They print exactly what the local commands print (the formatters below
 * serve both), so a script cannot tell which one answered.
 */

/** The subcommands that can ask a running node instead of opening its journal. */
export const LIVE_SUBCOMMANDS = ['stats', 'tail', 'inspect'] as const;
export type LiveSubcommand = (typeof LIVE_SUBCOMMANDS)[number];

export const entryLine = (e: JournalEntry) => `${String(e.position).padStart(8)}  ${hlcToIso(e.event.hlc)}  ${e.event.id}  ${e.event.type}  ${JSON.stringify(e.event.data)}`;

export function printEntry(output: Output, json: boolean, e: JournalEntry): void {
  output.out(json ? JSON.stringify(e) : entryLine(e));
}

export function printStats(output: Output, json: boolean, s: JournalStats): void {
  emit(output, json, s, () =>
    [
      `node ${s.nodeId}: ${s.events} events, ${s.bytesOnDisk} bytes on disk`,
      ...Object.entries(s.byType).map(([t, n]) => `  ${t}: ${n}`),
      ...s.feeds.map((f) => `feed ${f.origin}: head ${f.head}, last at ${f.lastAt}`),
      ...s.projections.map((p) => `projection ${p.name}: v${p.version ?? '-'} at ${p.position ?? 'never built'}`),
    ].join('\n'),
  );
}

export function printInspected(output: Output, json: boolean, found: InspectedEvent): void {
  emit(output, json, found, () => JSON.stringify(found, null, 2));
}

/** Resolves on SIGINT, SIGTERM, or when the reader of stdout went away (`journal tail --follow | head`). */
export function stopAsked(output: Output): { stopped: Promise<void>; dispose(): void } {
  let done: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (done = resolve));
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  void output.closed?.then(done);
  return {
    stopped,
    dispose: () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
    },
  };
}

export interface LiveCommand {
  readonly sub: LiveSubcommand;
  readonly json: boolean;
  readonly tail: TailOptions;
  readonly follow?: boolean;
  readonly id?: string;
  readonly position?: number;
}

/** Runs one of the live subcommands against the running node. Throws the node's error codes, SMOL_NODE_UNREACHABLE. */
export async function runLiveJournal(config: Config, cmd: LiveCommand, output: Output, node: RunningNodeApi): Promise<number> {
  switch (cmd.sub) {
    case 'stats': {
      const counts = await getJson<JournalCounts>(node, '/api/journal/stats');
      // The same machine's data directory: its size is measured here, as the local command does.
      printStats(output, cmd.json, withSize(counts, await dirSize(dataPaths(config.dataDir).journal)));
      return 0;
    }
    case 'inspect': {
      const found = await getJson<InspectedEvent>(node, '/api/journal/inspect', cmd.id !== undefined ? { id: cmd.id } : { position: cmd.position });
      printInspected(output, cmd.json, found);
      return 0;
    }
    case 'tail': {
      // Listen for a stop before the first request, so a Ctrl-C during the tail is not lost.
      const stop = cmd.follow ? stopAsked(output) : undefined;
      try {
        const { entries, lastPosition } = await remoteTail(node, cmd.tail);
        for (const e of entries) printEntry(output, cmd.json, e);
        if (!stop) return 0;
        const end = await followRemote(node, lastPosition + 1, cmd.tail, (e) => printEntry(output, cmd.json, e), stop.stopped);
        if (end === 'node-stopped') output.err(`the node (pid ${node.pid}) stopped; nothing more to follow`);
        return 0;
      } finally {
        stop?.dispose();
      }
    }
  }
}
