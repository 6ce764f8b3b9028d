import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { createRegistry } from '../../../core/events/default-registry.js';
import { allProjections, createProjections, projectionOptions } from '../../../projections/all.js';
import { journalStats } from '../../../journal-tools/stats.js';
import { tailEvents } from '../../../journal-tools/tail.js';
import { inspectEvent } from '../../../journal-tools/inspect.js';
import { verifyJournal } from '../../../journal-tools/verify.js';
import { rebuildProjections } from '../../../journal-tools/rebuild.js';
import { SmolError, ErrorCodes, isSmolError } from '../../../core/errors.js';
import type { Journal } from '../../../core/journal/journal.js';
import { VectorsProjection } from '../../vectors/vectors-projection.js';
import { repairLevelJournal } from '../../../journal-tools/repair.js';
import { dataPaths, openNodeJournal } from '../data-dir.js';
import { emit, type Output } from '../output.js';
import { pollProgress } from '../../../journal-tools/progress.js';
import { withProgress } from '../progress.js';
import { findRunningNode } from '../remote-node.js';
import { LIVE_SUBCOMMANDS, printEntry, printInspected, printStats, runLiveJournal, type LiveSubcommand } from './journal-live.js';

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
async function rebuildVectors(journal: Journal, dir: string, maxVectors: number, onProgress: (done: number, total: number, what: string) => void): Promise<{ name: string; position: number; ms: number }> {
  const started = performance.now();
  const vectors = new VectorsProjection(journal, createRegistry(), { dir, maxVectors });
  await vectors.rebuild();
  // A bulk build moves the position only when it ends: the bar may sit at 0 until then.
  const stop = pollProgress(() => onProgress(vectors.position, journal.lastPosition(), VECTORS));
  await vectors.caughtUp().finally(stop);
  await vectors.stop();
  return { name: VECTORS, position: vectors.position, ms: Math.round(performance.now() - started) };
}

const isLive = (sub: JournalCommand['sub']): sub is LiveSubcommand => (LIVE_SUBCOMMANDS as readonly string[]).includes(sub);

/**
 * `smollama journal …`: offline tools open the journal, so they need the node stopped (LevelDB's
 * lock). `stats`, `tail [--follow]` and `inspect` work either way: while the node runs they ask it
 * (journal-live.ts), printing the same thing.
 */
export async function runJournal(config: Config, cmd: JournalCommand, output: Output): Promise<number> {
  if (cmd.sub === 'repair') return runRepair(config, cmd.json, output);
  const tailOptions = { limit: cmd.limit ?? 20, ...(cmd.types ? { types: cmd.types } : {}), ...(cmd.origins ? { origins: cmd.origins } : {}) };
  let journal;
  try {
    // The lock says whether a node runs, whatever status.json claims (a killed node leaves it behind).
    journal = await openNodeJournal(config, { mustExist: true });
  } catch (err) {
    if (!isLive(cmd.sub) || !isSmolError(err, ErrorCodes.ALREADY_RUNNING)) throw err;
    const node = await findRunningNode(config.dataDir);
    return runLiveJournal(config, { sub: cmd.sub, json: cmd.json, tail: tailOptions, ...(cmd.follow ? { follow: true } : {}), ...(cmd.id !== undefined ? { id: cmd.id } : {}), ...(cmd.position !== undefined ? { position: cmd.position } : {}) }, output, node);
  }
  try {
    switch (cmd.sub) {
      case 'stats': {
        printStats(output, cmd.json, await journalStats(journal, dataPaths(config.dataDir).journal, allProjections.map((p) => p.name)));
        return 0;
      }
      case 'tail': {
        // We hold the lock, so no node runs and nothing will be written: there is nothing to follow.
        // Said up front, before any output, so a script sees the failure and not a tail that never moves.
        if (cmd.follow) {
          throw new SmolError(ErrorCodes.NODE_NOT_RUNNING, `the node on ${config.dataDir} is not running: nothing writes its journal, so there is nothing to follow; start it (\`smollama start\`), or leave out --follow for its last events`);
        }
        for (const e of await tailEvents(journal, tailOptions)) printEntry(output, cmd.json, e);
        return 0;
      }
      case 'inspect': {
        printInspected(output, cmd.json, await inspectEvent(journal, { ...(cmd.id ? { id: cmd.id } : {}), ...(cmd.position ? { position: cmd.position } : {}) }));
        return 0;
      }
      case 'verify': {
        const report = await withProgress('verify', { json: cmd.json }, (onProgress) => verifyJournal(journal, createRegistry(), onProgress));
        emit(output, cmd.json, report, () => verifyText(report));
        return report.ok ? 0 : 1;
      }
      case 'rebuild': {
        // The vector index is a projection too, kept in files next to the journal.
        const known = [...allProjections.map((p) => p.name), VECTORS];
        if (cmd.projection && !known.includes(cmd.projection)) throw new SmolError(ErrorCodes.CLI_USAGE, `no projection named ${cmd.projection}; known: ${known.join(', ')}`);
        // Built with the node's own settings, so a rebuild keeps what the running node keeps.
        const chosen = createProjections(projectionOptions(config)).filter((p) => !cmd.projection || p.name === cmd.projection);
        const done = await withProgress('rebuild', { json: cmd.json }, async (onProgress) => {
          const rebuilt = await rebuildProjections(journal, createRegistry(), chosen, onProgress);
          if (!cmd.projection || cmd.projection === VECTORS) rebuilt.push(await rebuildVectors(journal, join(config.dataDir, VECTORS), config.agent.maxIndexedVectors, onProgress));
          return rebuilt;
        });
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
    ? `ok: ${report.events} events in ${report.feeds.length} feed(s) verified` + report.feeds.map((f) => `\n  ${f.origin}: ${f.events} events, sealed to ${f.sealedTo}${f.basis ? `, starts at ${f.start} (retention basis ${f.basis.seq}, proven by the seal at ${f.basis.sealSeq}${f.belowBasis ? `; ${f.belowBasis} older events held below it` : ''})` : ''}`).join('')
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
