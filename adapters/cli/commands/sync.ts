import { resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { ParsedCommand } from '../args.js';
import { createRegistry } from '../../../core/events/default-registry.js';
import { SmolError, ErrorCodes, isSmolError } from '../../../core/errors.js';
import { SyncService } from '../../sync/sync-service.js';
import { TrustStore } from '../../sync/trust-store.js';
import { readNodeKeyFile, writeNodeKeyFile } from '../../sync/node-key-file.js';
import { isDirectory } from '../../sync/segment-files.js';
import { writeJsonFile } from '../../sync/json-file.js';
import { vectorDocument, vectorFileName } from '../../../journal-tools/vector.js';
import { exportSegment, type ExportBasis } from '../../../journal-tools/export.js';
import { importSegments } from '../../../journal-tools/import.js';
import { openNodeJournal } from '../data-dir.js';
import { clockSkewReporter } from '../../sync/clock-skew-reporter.js';
import { emit, type Output } from '../output.js';
import { withProgress } from '../progress.js';

export type SyncCommandName = 'journal vector' | 'journal export' | 'journal import' | 'trust show' | 'trust add' | 'trust list' | 'trust remove';
type SyncCommand = Extract<ParsedCommand, { name: SyncCommandName }>;

/** `smollama journal vector|export|import` and `smollama trust …`. */
export async function runSyncCommand(config: Config, cmd: SyncCommand, output: Output): Promise<number> {
  const json = cmd.global.json;
  switch (cmd.name) {
    case 'trust show': {
      const key = await ownKey(config);
      emit(output, json, key, () => `node ${key.nodeId}\nkey  ${key.publicKey}\n\nOn another node: smollama trust add ${key.publicKey} --name ${config.node.name}`);
      return 0;
    }
    case 'trust list': {
      const trust = await TrustStore.open(config.dataDir, config.sync.trusted);
      const list = trust.list();
      emit(output, json, list, () =>
        list.length === 0 ? 'no trusted nodes yet (smollama trust add KEY --name NAME)' : list.map((n) => `${(n.name ?? '-').padEnd(16)} ${n.nodeId}  ${n.publicKey}  (${n.source})`).join('\n'),
      );
      return 0;
    }
    case 'trust add': {
      const trust = await TrustStore.open(config.dataDir, config.sync.trusted);
      const self = await ownKey(config).catch(() => undefined);
      const node = await trust.add(cmd.args.key, cmd.args.name, self?.nodeId ?? '');
      output.out(`trusted ${node.name ?? node.nodeId} (${node.nodeId})`);
      return 0;
    }
    case 'trust remove': {
      const trust = await TrustStore.open(config.dataDir, config.sync.trusted);
      if (!(await trust.remove(cmd.args.node))) throw new SmolError(ErrorCodes.NOT_FOUND, `no trusted node "${cmd.args.node}" (see smollama trust list)`);
      output.out(`no longer trusted: ${cmd.args.node}`);
      return 0;
    }
    default:
      return withSync(config, output, async (sync) => {
        switch (cmd.name) {
          case 'journal vector': {
            const doc = vectorDocument(sync.journal, config.sync.cluster);
            if (cmd.args.out === undefined) {
              output.out(JSON.stringify(doc, null, 2));
              return 0;
            }
            const out = resolve(cmd.args.out);
            const path = (await isDirectory(out)) ? resolve(out, vectorFileName(doc.node)) : out;
            await writeJsonFile(path, doc);
            emit(output, json, { path, vector: doc.vector }, () => `wrote ${path}: ${Object.keys(doc.vector).length} origin(s), ${Object.values(doc.vector).reduce((a, b) => a + b, 0)} events`);
            return 0;
          }
          case 'journal export': {
            const basis: ExportBasis = cmd.args.for !== undefined ? { for: resolve(cmd.args.for) } : cmd.args.peer !== undefined ? { peer: cmd.args.peer } : { all: true };
            const r = await withProgress('export', { json, unit: 'bytes' }, (onProgress) => exportSegment(sync, basis, resolve(cmd.args.out!), onProgress));
            if (!r.path) output.out('nothing to export: the peer already holds everything this node has (sealed)');
            else output.out(`wrote ${r.path}: ${r.events} events, ${r.bytes} bytes${r.leftOut ? ` (${r.leftOut} unsealed events left for next time)` : ''}`);
            return 0;
          }
          case 'journal import': {
            const summary = await withProgress('import', { json, unit: 'bytes' }, (onProgress) => importSegments(sync, cmd.args.paths.map((p) => resolve(p)), Date.now, onProgress));
            emit(output, json, summary, () =>
              [
                ...summary.reports.map((r) => `${r.status.padEnd(8)} ${r.source}: ${r.code && r.status !== 'applied' ? `${r.code}: ` : ''}${r.message}`),
                `${summary.applied} event(s) applied, ${summary.failed} segment(s) refused, ${summary.held} held until their gap is filled`,
              ].join('\n'),
            );
            // A refusal reads like any failed command's (`error SMOL_X: …` on stderr), after the report.
            for (const r of summary.reports) if (r.status === 'failed') output.err(`error ${r.code}: ${r.source}: ${r.message}`);
            return summary.failed > 0 ? 1 : 0;
          }
        }
      });
  }
}

async function withSync(config: Config, output: Output, run: (sync: SyncService) => Promise<number>): Promise<number> {
  // A USB import can bring a peer whose clock runs ahead: reported like on a running node.
  const log = (message: string, fields?: Record<string, unknown>) => output.err(`${message}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  const skew = clockSkewReporter({ journal: () => journal, maxOffsetMs: config.clock.maxOffsetMs, log });
  const journal = await openNodeJournal(config, { mustExist: true, clock: skew }).catch((err: unknown) => {
    if (isSmolError(err, ErrorCodes.ALREADY_RUNNING)) {
      throw new SmolError(ErrorCodes.ALREADY_RUNNING, `${err.message}; stop it for USB export/import, or let it sync over HTTP`, { cause: err });
    }
    throw err;
  });
  try {
    const sync = await SyncService.open(journal, config.dataDir, config.sync, createRegistry());
    return await run(sync);
  } finally {
    await journal.close();
  }
}

/** This node's key: from the key file a node writes (readable while it runs), else from the journal, created if need be. */
async function ownKey(config: Config): Promise<{ nodeId: string; publicKey: string }> {
  const fromFile = await readNodeKeyFile(config.dataDir);
  if (fromFile) return fromFile;
  // A fresh node gets its identity here, so its key can be handed out before its first start.
  const journal = await openNodeJournal(config);
  try {
    await writeNodeKeyFile(config.dataDir, journal.nodeId, journal.publicKey);
    return { nodeId: journal.nodeId, publicKey: journal.publicKey };
  } finally {
    await journal.close();
  }
}
