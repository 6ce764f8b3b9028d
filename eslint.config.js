// Architecture boundaries, not style (DESIGN.md "Layout", STYLE.md rules 9 and 12).
// core/ and projections/ stay free of I/O and edge libraries so they remain pure and testable;
// only config and the CLI read the environment. Nothing here checks formatting.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const NODE_IO = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'worker_threads'];
const EDGE_LIBS = ['fastify', 'mqtt', 'aedes', 'rpio', 'ollama', 'openai', 'hnswlib-node', 'quickjs-emscripten'];
// The journal store is core's one I/O: LevelDB is allowed in core/journal/** and nowhere else in core or projections.
const LEVEL_LIBS = ['classic-level', 'memory-level'];

const PURE_MESSAGE = 'core/ and projections/ do no I/O of their own: take a port as a parameter and implement it in adapters/.';
const LEVEL_MESSAGE = 'Only core/journal/ may use LevelDB; read journal data through the journal or a projection runner.';
const JOURNAL_TOOLS_MESSAGE = 'journal-tools/ never imports adapters/: take a port from core (e.g. core/sync/sync-port.ts) and let the CLI pass the adapter in.';
const ENV_MESSAGE = 'Configuration is parsed once in adapters/config and passed down; nothing else reads the environment.';

/** `process.env` through an import (`import { env } from 'node:process'`). */
const ENV_IMPORTS = ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: ENV_MESSAGE }));

/**
 * Options for no-restricted-imports in a pure layer. ESLint replaces (does not merge) a rule's
 * options when a later config block matches the same file, so each block gets the full list.
 * @param {{ allowLevel: boolean, forbidProjections: boolean }} opts
 */
function pureLayerImports({ allowLevel, forbidProjections }) {
  const io = NODE_IO.flatMap((m) => [m, `node:${m}`]);
  const paths = [
    ...io.map((name) => ({ name, message: PURE_MESSAGE })),
    ...EDGE_LIBS.map((name) => ({ name, message: PURE_MESSAGE })),
    ...(allowLevel ? [] : LEVEL_LIBS.map((name) => ({ name, message: LEVEL_MESSAGE }))),
    ...ENV_IMPORTS,
  ];
  const patterns = [
    // Subpath imports of the same modules (`fastify/types/…`, `@fastify/websocket`, `mqtt/dist/…`).
    { group: ['@fastify/*', ...[...io, ...EDGE_LIBS].map((m) => `${m}/*`)], message: PURE_MESSAGE },
    ...(allowLevel ? [] : [{ group: LEVEL_LIBS.map((m) => `${m}/*`), message: LEVEL_MESSAGE }]),
    { group: ['**/adapters', '**/adapters/**', '**/journal-tools', '**/journal-tools/**'], message: 'Dependencies point inward: core/ and projections/ never import adapters/ or journal-tools/.' },
    ...(forbidProjections ? [{ group: ['**/projections', '**/projections/**'], message: 'core/ does not import projections/; projections depend on core.' }] : []),
  ];
  return ['error', { paths, patterns }];
}

/**
 * Dynamic `import('node:fs')` is not seen by no-restricted-imports; catch literal specifiers here.
 * esquery regexes cannot contain a slash, hence \x2F.
 */
function pureLayerDynamicImports({ allowLevel }) {
  const names = [...NODE_IO, ...EDGE_LIBS, ...(allowLevel ? [] : LEVEL_LIBS)].map((m) =>
    m.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&').replaceAll('/', '\\x2F'),
  );
  const re = `^(?:node:)?(?:${names.join('|')}|@fastify\\x2F[^\\x2F]+)(?:\\x2F.*)?$`;
  return [
    'error',
    { selector: `ImportExpression[source.value=/${re}/]`, message: PURE_MESSAGE },
    { selector: 'ImportExpression[source.value=/(^|\\x2F)(adapters|journal-tools)(\\x2F|$)/]', message: 'Dependencies point inward: core/ and projections/ never import adapters/ or journal-tools/.' },
  ];
}

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'ui/dist/', '.tap/', 'coverage/'] },
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
  },
  {
    // Everywhere: nothing but config and the CLI reads the environment.
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['adapters/config/**', 'adapters/cli/**', 'test/**', 'eslint.config.js'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
      'no-restricted-imports': ['error', { paths: ENV_IMPORTS }],
    },
  },
  {
    files: ['core/**'],
    ignores: ['core/journal/**'],
    rules: {
      'no-restricted-imports': pureLayerImports({ allowLevel: false, forbidProjections: true }),
      'no-restricted-syntax': pureLayerDynamicImports({ allowLevel: false }),
    },
  },
  {
    files: ['core/journal/**'],
    rules: {
      'no-restricted-imports': pureLayerImports({ allowLevel: true, forbidProjections: true }),
      'no-restricted-syntax': pureLayerDynamicImports({ allowLevel: true }),
    },
  },
  {
    // node:crypto stays allowed here (and in core): hashing is computation, not I/O.
    files: ['projections/**'],
    rules: {
      'no-restricted-imports': pureLayerImports({ allowLevel: false, forbidProjections: false }),
      'no-restricted-syntax': pureLayerDynamicImports({ allowLevel: false }),
    },
  },
  {
    // The journal tools do file I/O (export files, repair) but take the node's services as ports
    // from core (core/sync/sync-port.ts); the CLI passes the adapters in. ENV_IMPORTS again: this
    // block replaces the options of the one above.
    files: ['journal-tools/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ENV_IMPORTS, patterns: [{ group: ['**/adapters', '**/adapters/**'], message: JOURNAL_TOOLS_MESSAGE }] }],
      'no-restricted-syntax': ['error', { selector: 'ImportExpression[source.value=/(^|\\x2F)adapters(\\x2F|$)/]', message: JOURNAL_TOOLS_MESSAGE }],
    },
  },
);
