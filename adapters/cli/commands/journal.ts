import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { createRegistry } from '../../../core/events/default-registry.js';
import { hlcToIso } from '../../../core/clock/hlc.js';
import type { JournalEntry } from '../../../core/events/event.js';
import { allProjections } from '../../../projections/all.js';
import { journalStats } from '../../../journal-tools/stats.js';
import { tailEvents, followEvents } from '../../../journal-tools/tail.js';
import { inspectEvent } from '../../../journal-tools/inspect.js';
import { verifyJournal } from '../../../journal-tools/verify.js';
import { rebuildProjections } from '../../../journal-tools/rebuild.js';
import { SmolError, ErrorCodes } from '../../../core/errors.js';
import type { Journal } from '../../../core/journal/journal.js';
import { VectorsProjection } from '../../vectors/vectors-projection.js';
import { repairLevelJournal } from '../../../journal-tools/repair.js';
import { dataPaths, openNodeJournal } from '../data-dir.js';
import { emit, type Output } from '../output.js';

export interface JournalCommand {
  readonly sub: 'stats' | 'tail' | 'inspect' | 'verify' | 'rebuild' | 'repair';
  readonly json: boolean;
  readonly limit?: number;
  readonly follow?: boolean;
  readonly types?: readonly string[];
  readonly origins?: readonly string[];
  readonly id?: string;
  readonly position?: number;
  readonly projection?: string;
}

const VECTORS = 'vectors';

/** Drops the vector index files and replays the journal into new ones (no model is called). */
async function rebuildVectors(journal: Journal, dir: string): Promise<{ name: string; position: number; ms: number }> {
  const started = performance.now();
  const vectors = new VectorsProjection(journal, createRegistry(), { dir });
  await vectors.rebuild();
  await vectors.caughtUp();
  await vectors.stop();
  return { name: VECTORS, position: vectors.position, ms: Math.round(performance.now() - started) };
}

const line = (e: JournalEntry) => `${String(e.position).padStart(8)}  ${hlcToIso(e.event.hlc)}  ${e.event.id}  ${e.event.type}  ${JSON.stringify(e.event.data)}`;

/** `smollama journal …`: offline tools; they need the node stopped (the journal is locked while it runs). */
export async function runJournal(config: Config, cmd: JournalCommand, output: Output): Promise<number> {
  if (cmd.sub === 'repair') return runRepair(config, cmd.json, output);
  const journal = await openNodeJournal(config, { mustExist: true });
  try {
    switch (cmd.sub) {
      case 'stats': {
        const s = await journalStats(journal, dataPaths(config.dataDir).journal, allProjections.map((p) => p.name));
        emit(output, cmd.json, s, () =>
          [
            `node ${s.nodeId}: ${s.events} events, ${s.bytesOnDisk} bytes on disk`,
            ...Object.entries(s.byType).map(([t, n]) => `  ${t}: ${n}`),
            ...s.feeds.map((f) => `feed ${f.origin}: head ${f.head}, last at ${f.lastAt}`),
            ...s.projections.map((p) => `projection ${p.name}: v${p.version ?? '-'} at ${p.position ?? 'never built'}`),
          ].join('\n'),
        );
        return 0;
      }
      case 'tail': {
        const opts = { limit: cmd.limit ?? 20, ...(cmd.types ? { types: cmd.types } : {}), ...(cmd.origins ? { origins: cmd.origins } : {}) };
        const entries = await tailEvents(journal, opts);
        for (const e of entries) output.out(cmd.json ? JSON.stringify(e) : line(e));
        if (!cmd.follow) return 0;
        const sub = followEvents(journal, journal.lastPosition(), opts, (e) => output.out(cmd.json ? JSON.stringify(e) : line(e)));
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
          void output.closed?.then(resolve); // `journal tail --follow | head`: the reader is gone
        });
        sub.close();
        return 0;
      }
      case 'inspect': {
        const found = await inspectEvent(journal, { ...(cmd.id ? { id: cmd.id } : {}), ...(cmd.position ? { position: cmd.position } : {}) });
        emit(output, cmd.json, found, () => JSON.stringify(found, null, 2));
        return 0;
      }
      case 'verify': {
        const report = await verifyJournal(journal, createRegistry());
        emit(output, cmd.json, report, () => verifyText(report));
        return report.ok ? 0 : 1;
      }
      case 'rebuild': {
        // The vector index is a projection too, kept in files next to the journal.
        const known = [...allProjections.map((p) => p.name), VECTORS];
        if (cmd.projection && !known.includes(cmd.projection)) throw new SmolError(ErrorCodes.CLI_USAGE, `no projection named ${cmd.projection}; known: ${known.join(', ')}`);
        const chosen = allProjections.filter((p) => !cmd.projection || p.name === cmd.projection);
        const done = await rebuildProjections(journal, createRegistry(), chosen);
        if (!cmd.projection || cmd.projection === VECTORS) done.push(await rebuildVectors(journal, join(config.dataDir, VECTORS)));
        emit(output, cmd.json, done, () => done.map((d) => `rebuilt ${d.name} to position ${d.position} in ${d.ms} ms`).join('\n'));
        return 0;
      }
    }
  } finally {
    await journal.close();
  }
}

function verifyText(report: Awaited<ReturnType<typeof verifyJournal>>): string {
  return report.ok
    ? `ok: ${report.events} events in ${report.feeds.length} feed(s) verified` + report.feeds.map((f) => `\n  ${f.origin}: ${f.events} events, sealed to ${f.sealedTo}`).join('')
    : `FAILED: ${report.problems.map((p) => `${p.kind}: ${p.message}`).join('\n')}`;
}

/**
 * `smollama journal repair`: LevelDB's repair over the journal's files (the node must be stopped),
 * then the journal is opened with its key and verified. Exit 0 only when verify passes.
 */
async function runRepair(config: Config, json: boolean, output: Output): Promise<number> {
  const found = await repairLevelJournal(dataPaths(config.dataDir).journal);
  const journal = await openNodeJournal(config, { mustExist: true });
  try {
    const verify = await verifyJournal(journal, createRegistry());
    const recovered = { nodeId: journal.nodeId, lastPosition: journal.lastPosition(), feeds: journal.heads().size };
    emit(output, json, { repair: found, recovered, verify }, () =>
      [
        `repair: ${found.dir} held ${found.tables} table file(s) and ${found.logs} log file(s)` +
          (found.hadCurrent ? '' : ' (journal/CURRENT was missing)') +
          (found.hadManifest ? '' : ' (no manifest)'),
        `recovered: node ${recovered.nodeId}, ${recovered.lastPosition} events in ${recovered.feeds} feed(s)`,
        verifyText(verify),
      ].join('\n'),
    );
    return verify.ok ? 0 : 1;
  } finally {
    await journal.close();
  }
}
