import type { Config } from '../../config/schema.js';
import { isSmolError, ErrorCodes } from '../../../core/errors.js';
import { hlcToIso } from '../../../core/clock/hlc.js';
import { openNodeJournal, readStatusFile } from '../data-dir.js';
import { emit, type Output } from '../output.js';
import { readTokens } from '../../http/auth/tokens.js';

/**
 * `smollama status`: while a node runs its journal is locked, so the running node's status file
 * is read; otherwise the journal itself. The API tokens are secrets: shown only with `showTokens`
 * (`--show-tokens`), so a status pasted into a chat or a bug report leaks none.
 * Throws SMOL_NOT_FOUND when there is no node here.
 */
export async function runStatus(config: Config, json: boolean, output: Output, options: { showTokens?: boolean } = {}): Promise<number> {
  // The API tokens: only the data directory's owner can read them (the file is 0600). Read after
  // the journal has been looked for, so a missing or unusable data directory is what gets reported.
  const apiTokens = async () => {
    if (!options.showTokens) return { api: undefined, tokenLines: [] };
    const tokens = await readTokens(config.dataDir);
    const api = tokens ? { readToken: tokens.read, adminToken: tokens.admin } : null;
    const tokenLines = tokens ? [`api token (admin): ${tokens.admin}`, `api token (read-only): ${tokens.read}`] : [];
    return { api, tokenLines };
  };
  try {
    const journal = await openNodeJournal(config, { mustExist: true });
    try {
      const { api, tokenLines } = await apiTokens();
      const heads = [...journal.heads()].map(([origin, h]) => ({ origin, seq: h.seq, last: hlcToIso(h.hlc) }));
      const value = { running: false, nodeId: journal.nodeId, name: config.node.name, dataDir: config.dataDir, lastPosition: journal.lastPosition(), feeds: heads, api };
      emit(output, json, value, () =>
        [
          `node ${journal.nodeId} (${config.node.name}) — not running`,
          `data: ${config.dataDir}`,
          `events: ${journal.lastPosition()}`,
          ...heads.map((h) => `  feed ${h.origin}: ${h.seq} events, last at ${h.last}`),
          ...tokenLines,
        ].join('\n'),
      );
    } finally {
      await journal.close();
    }
    return 0;
  } catch (err) {
    if (!isSmolError(err, ErrorCodes.ALREADY_RUNNING)) throw err;
  }
  const { api, tokenLines } = await apiTokens();
  const status = await readStatusFile(config.dataDir);
  emit(output, json, { ...status, running: true, dataDir: config.dataDir, api }, () =>
    status
      ? [
          `node ${status.nodeId} (${status.name}, ${status.role}) — running, pid ${status.pid}, since ${status.startedAt}`,
          `data: ${config.dataDir}`,
          `events: ${status.lastPosition} (as of ${status.updatedAt})`,
          `gpio: ${status.gpioMode ?? 'off'}`,
          ...(status.http ? [`dashboard: ${status.http}`] : []),
          ...(status.units?.length ? ['units:', ...status.units.map((u) => `  ${u.name.padEnd(12)} ${u.state}${u.code ? ` ${u.code}` : ''}${u.message ? ` — ${u.message}` : ''}`)] : []),
          ...tokenLines,
        ].join('\n')
      : `a node is running on ${config.dataDir} (its status file is not written yet)`,
  );
  return 0;
}
