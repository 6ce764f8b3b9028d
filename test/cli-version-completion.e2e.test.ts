import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateTokens } from '../adapters/http/auth/tokens.js';
import { commandTable } from '../adapters/cli/args.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('--version and -V print the version in package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['-V'], ['status', '--version']]) {
    const r = await runCli(args);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout.trim(), pkg.version, args.join(' '));
  }
});

t.test('completion bash and zsh name every command and flag of the command table; other shells are a usage error', async (t) => {
  const bash = await runCli(['completion', 'bash']);
  t.equal(bash.code, 0, bash.stderr);
  const zsh = await runCli(['completion', 'zsh']);
  t.equal(zsh.code, 0, zsh.stderr);
  t.match(zsh.stdout, 'bashcompinit');
  const table = commandTable();
  t.ok(table.some((c) => c.name === 'doctor') && table.some((c) => c.name === 'journal tail'), 'the table holds the commands');
  for (const script of [bash.stdout, zsh.stdout]) {
    for (const c of table) {
      for (const word of c.name.split(' ')) t.ok(script.includes(word), `${c.name}: ${word}`);
      t.ok(script.includes(`'${c.name}') flags='${c.options.join(' ')}'`), `${c.name} completes its flags`);
    }
  }
  t.match(bash.stdout, /--show-tokens/);
  t.match(bash.stdout, /complete -F _smollama smollama/);
  const fish = await runCli(['completion', 'fish']);
  t.equal(fish.code, 2);
  t.match(fish.stderr, 'SMOL_CLI_USAGE');
});

t.test('status hides the API tokens unless --show-tokens', async (t) => {
  const dir = join(tempDir(t), 'data');
  const made = await runCli(['trust', 'show', '--data-dir', dir]);
  t.equal(made.code, 0, made.stderr);
  const tokens = await loadOrCreateTokens(dir);
  const plain = await runCli(['status', '--data-dir', dir]);
  t.equal(plain.code, 0, plain.stderr);
  t.notMatch(plain.stdout, tokens.admin);
  t.notMatch(plain.stdout, tokens.read);
  const json = await runCli(['status', '--json', '--data-dir', dir]);
  t.notOk('api' in JSON.parse(json.stdout), 'no api tokens in --json either');
  t.notMatch(json.stdout, tokens.admin);

  const shown = await runCli(['status', '--show-tokens', '--data-dir', dir]);
  t.match(shown.stdout, `api token (admin): ${tokens.admin}`);
  t.match(shown.stdout, `api token (read-only): ${tokens.read}`);
  const shownJson = await runCli(['status', '--show-tokens', '--json', '--data-dir', dir]);
  t.same(JSON.parse(shownJson.stdout).api, { readToken: tokens.read, adminToken: tokens.admin });
});
