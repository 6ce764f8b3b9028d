import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ESLint } from 'eslint';

// The boundary rules in eslint.config.js, exercised on snippets placed at virtual paths.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd, errorOnUnmatchedPattern: false });

async function errorsFor(code: string, filePath: string): Promise<Array<string | null>> {
  const [result] = await eslint.lintText(code, { filePath });
  if (result === undefined) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId);
}

t.test('core may not import node:fs', async (t) => {
  t.same(await errorsFor(`import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`, 'core/example.ts'), ['no-restricted-imports']);
});

t.test('projections may not import mqtt', async (t) => {
  t.same(await errorsFor(`import mqtt from 'mqtt';\nexport const x = mqtt;\n`, 'projections/x.ts'), ['no-restricted-imports']);
});

t.test('projections may not import classic-level', async (t) => {
  t.same(await errorsFor(`import { ClassicLevel } from 'classic-level';\nexport const x = ClassicLevel;\n`, 'projections/x.ts'), ['no-restricted-imports']);
});

t.test('core outside core/journal may not import classic-level', async (t) => {
  t.same(await errorsFor(`import { ClassicLevel } from 'classic-level';\nexport const x = ClassicLevel;\n`, 'core/agent/x.ts'), ['no-restricted-imports']);
});

t.test('core/journal may import classic-level and memory-level', async (t) => {
  t.same(await errorsFor(`import { ClassicLevel } from 'classic-level';\nimport { MemoryLevel } from 'memory-level';\nexport const x = [ClassicLevel, MemoryLevel];\n`, 'core/journal/x.ts'), []);
});

t.test('core may not reach into adapters or journal-tools, even dynamically', async (t) => {
  t.same(await errorsFor(`import { buildApp } from '../../adapters/http/app.js';\nexport const x = buildApp;\n`, 'core/node/x.ts'), ['no-restricted-imports']);
  t.same(await errorsFor(`export * from '../journal-tools/inspect.js';\n`, 'core/x.ts'), ['no-restricted-imports']);
  t.same(await errorsFor(`export const load = () => import('node:fs/promises');\n`, 'core/x.ts'), ['no-restricted-syntax']);
});

t.test('journal-tools may not import adapters, even dynamically, but may use core, node:fs and LevelDB', async (t) => {
  t.same(await errorsFor(`import type { SyncService } from '../adapters/sync/sync-service.js';\nexport type X = SyncService;\n`, 'journal-tools/x.ts'), ['no-restricted-imports']);
  t.same(await errorsFor(`export const load = () => import('../adapters/sync/sync-service.js');\n`, 'journal-tools/x.ts'), ['no-restricted-syntax']);
  t.same(await errorsFor(`import { env } from 'node:process';\nexport const foo = env.FOO;\n`, 'journal-tools/x.ts'), ['no-restricted-imports'], 'the environment rule still holds there');
  const ok = `import type { SyncPort } from '../core/sync/sync-port.js';\nimport { readFile } from 'node:fs/promises';\nimport { ClassicLevel } from 'classic-level';\nexport const x = [readFile, ClassicLevel];\nexport type Y = SyncPort;\n`;
  t.same(await errorsFor(ok, 'journal-tools/x.ts'), []);
});

t.test('core and projections may use node:crypto and zod', async (t) => {
  const code = `import { createHash } from 'node:crypto';\nimport { z } from 'zod';\nexport const x = [createHash, z];\n`;
  t.same(await errorsFor(code, 'core/x.ts'), []);
  t.same(await errorsFor(code, 'projections/x.ts'), []);
});

t.test('adapters may import node:fs', async (t) => {
  t.same(await errorsFor(`import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`, 'adapters/x.ts'), []);
});

t.test('only config and the CLI read process.env', async (t) => {
  const code = `export const foo = process.env.FOO;\n`;
  t.same(await errorsFor(code, 'core/x.ts'), ['no-restricted-properties']);
  t.same(await errorsFor(code, 'adapters/http/x.ts'), ['no-restricted-properties']);
  t.same(await errorsFor(`import { env } from 'node:process';\nexport const foo = env.FOO;\n`, 'journal-tools/x.ts'), ['no-restricted-imports']);
  t.same(await errorsFor(code, 'adapters/config/x.ts'), []);
  t.same(await errorsFor(code, 'adapters/cli/x.ts'), []);
  t.same(await errorsFor(code, 'test/x.unit.test.ts'), []);
});

t.test('the real tree keeps its boundaries', async (t) => {
  const results = await eslint.lintFiles(['core', 'projections', 'adapters', 'journal-tools']);
  t.ok(results.length > 0, 'some files were linted');
  const errors = results.flatMap((r) =>
    r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(cwd.length)}:${m.line} ${m.ruleId ?? ''} ${m.message}`),
  );
  t.same(errors, [], 'no boundary violations');
});
