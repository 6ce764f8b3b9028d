import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, cleanEnv, repoRoot } from './helpers/cli.js';
import { QuickJsSandbox } from '../adapters/sandbox/quickjs-sandbox.js';

const child = fileURLToPath(new URL('./helpers/sandbox-stack-child.ts', import.meta.url));
const deepArray = 'let a = []; for (let i = 0; i < 1e5; i++) a = [a];';

interface Outcome {
  program: string;
  direct: { ok: boolean; code?: string; value?: unknown };
  tool: { ok: boolean; code?: string };
}

/** Runs the programs in a child process (sandbox and agent tool), with its stderr. */
async function runInChild(programs: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(programs)], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(proc);
  const outcomes = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Outcome);
  return { ...r, outcomes };
}

t.test('deep recursion and deeply nested values are SMOL_SANDBOX_STACK, in the sandbox and through the run_code tool, and free the runtime cleanly', async (t) => {
  const tooDeep = [
    'function f() { return f() } f()',
    `${deepArray} a`,
    `${deepArray} JSON.stringify(a).length`,
    `(async () => { ${deepArray} return a })()`,
    'let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; o',
  ];
  const afterwards = ['[1, 2, 3].map((x) => x * 2)', `${deepArray} console.log(a); 'logged'`];
  const r = await runInChild([...tooDeep, ...afterwards]);
  t.equal(r.code, 0, `the child exits normally (stderr: ${r.stderr.slice(0, 500)})`);
  t.equal(r.outcomes.length, tooDeep.length + afterwards.length, 'every program has an outcome');
  for (const o of r.outcomes.slice(0, tooDeep.length)) {
    t.same(o.direct, { ok: false, code: 'SMOL_SANDBOX_STACK' }, `sandbox: ${o.program}`);
    t.same(o.tool, { ok: false, code: 'SMOL_SANDBOX_STACK' }, `run_code tool: ${o.program}`);
  }
  const [doubled, logged] = r.outcomes.slice(tooDeep.length);
  t.same(doubled?.direct, { ok: true, value: [2, 4, 6] }, 'the sandbox keeps working after');
  t.same(logged?.direct, { ok: true, value: 'logged' }, 'a console argument too deep to show does not fail the run');
  t.same(logged?.tool, { ok: true });
  t.notMatch(r.stderr, /Assertion failed|Aborted|list_empty|gc_obj_list/, 'no QuickJS abort on stderr');
});

t.test('a value nested within the limit is returned whole', async (t) => {
  const sandbox = new QuickJsSandbox({ timeoutMs: 2000, memoryBytes: 32 * 1024 * 1024, stackBytes: 512 * 1024 });
  const r = await sandbox.run('let a = 1; for (let i = 0; i < 99; i++) a = [a]; a');
  let depth = 0;
  for (let v = r.value; Array.isArray(v); v = v[0] as unknown) depth++;
  t.equal(depth, 99);
  await t.rejects(sandbox.run('let a = 1; for (let i = 0; i < 101; i++) a = [a]; a'), { code: 'SMOL_SANDBOX_STACK' }, 'one level past the limit is refused');
  t.same((await sandbox.run('({ big: 10n, err: new TypeError("x") })')).value, { big: '10', err: { name: 'TypeError', message: 'x' } }, 'a BigInt keeps its digits; an error keeps its name and message');
});
