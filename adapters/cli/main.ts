#!/usr/bin/env node
import { parseCommandLine, usageText, type ParsedCommand } from './args.js';
import { loadConfig } from '../config/load-config.js';
import { writeExampleConfig } from '../config/example-config.js';
import type { JournalCommand } from './commands/journal.js';
import { consoleOutput, reportError, type Output } from './output.js';
import { checkDataDirPath } from './data-dir-checks.js';
import { resolve } from 'node:path';

/** Runs one command line; returns the exit code. The only place that reads process.env. */
export async function main(argv: readonly string[], output: Output = consoleOutput, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<number> {
  try {
    const cmd = parseCommandLine(argv);
    if (cmd.name === 'help') {
      output.out(usageText(cmd.topic));
      return 0;
    }
    if (cmd.name === 'version') {
      output.out((await import('../version.js')).VERSION);
      return 0;
    }
    if (cmd.name === 'completion') {
      output.out((await import('./commands/completion.js')).completionScript(cmd.args.shell as 'bash' | 'zsh'));
      return 0;
    }
    if (cmd.name === 'init') {
      const path = resolve(cwd, cmd.args.out);
      await writeExampleConfig(path, { force: cmd.args.force });
      output.out(`wrote ${path}`);
      return 0;
    }
    const config = await loadConfig({ file: cmd.global.configFile, env, flags: cmd.global.configFlags, cwd });
    // The doctor reports an unusable data directory as one of its checks, not as an error.
    if (cmd.name === 'doctor') return await (await import('./commands/doctor.js')).runDoctor(config, { json: cmd.global.json, pull: cmd.args.pull }, output);
    await checkDataDirPath(config.dataDir);
    return await dispatch(cmd, config, output, env);
  } catch (err) {
    return reportError(output, err);
  }
}

// Commands are imported when run: `start` pulls in fastify, MQTT, hnswlib and the sandbox, which a
// `trust show` or `journal vector` on a Pi should not wait for.
const journal = async (...a: Parameters<typeof import('./commands/journal.js').runJournal>) => (await import('./commands/journal.js')).runJournal(...a);

async function dispatch(cmd: Exclude<ParsedCommand, { name: 'help' | 'init' | 'version' | 'completion' | 'doctor' }>, config: Awaited<ReturnType<typeof loadConfig>>, output: Output, env: NodeJS.ProcessEnv = {}): Promise<number> {
  switch (cmd.name) {
    case 'start':
      return (await import('./commands/start.js')).runStart(config, output, { journalStream: env['JOURNAL_STREAM'] });
    case 'status':
      return (await import('./commands/status.js')).runStatus(config, cmd.global.json, output, { showTokens: cmd.args['show-tokens'] });
    case 'ask':
      return (await import('./commands/ask.js')).runAsk(config, cmd.args.question, cmd.global.json, output);
    case 'tool':
      return (await import('./commands/tool.js')).runTool(config, { name: cmd.args.tool, argsJson: cmd.args.arguments, pairs: cmd.args.arg, json: cmd.global.json }, output);
    case 'journal stats':
    case 'journal verify':
      return journal(config, { sub: cmd.name === 'journal stats' ? 'stats' : 'verify', json: cmd.global.json }, output);
    case 'journal repair':
      return journal(config, { sub: 'repair', json: cmd.global.json }, output);
    case 'journal tail':
      return journal(config, { sub: 'tail', json: cmd.global.json, follow: cmd.args.follow, ...(cmd.args.limit ? { limit: cmd.args.limit } : {}), types: cmd.args.type, ...(cmd.args.origin ? { origins: [cmd.args.origin] } : {}) } satisfies JournalCommand, output);
    case 'journal inspect':
      return journal(config, { sub: 'inspect', json: cmd.global.json, ...(cmd.args.eventId ? { id: cmd.args.eventId } : {}), ...(cmd.args.position !== undefined ? { position: cmd.args.position } : {}) }, output);
    case 'journal rebuild':
      return journal(config, { sub: 'rebuild', json: cmd.global.json, ...(cmd.args.projection ? { projection: cmd.args.projection } : {}) }, output);
    case 'journal vector':
    case 'journal export':
    case 'journal import':
    case 'trust show':
    case 'trust add':
    case 'trust list':
    case 'trust remove':
      return (await import('./commands/sync.js')).runSyncCommand(config, cmd, output);
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
