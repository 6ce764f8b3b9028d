import t from 'tap';
import { QuickJsSandbox } from '../adapters/sandbox/quickjs-sandbox.js';

const sandbox = new QuickJsSandbox({ timeoutMs: 300, memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024 });

t.test('returns the last value and console output', async (t) => {
  const r = await sandbox.run('console.log("sum", [1,2,3].reduce((a,b)=>a+b)); console.warn({ ok: true }); ({ mean: 2, xs: [1, 2, 3] })');
  t.same(r.value, { mean: 2, xs: [1, 2, 3] });
  t.same(r.console, ['sum 6', '[warn] {"ok":true}']);
  t.ok(r.durationMs >= 0);
});

t.test('a promise is run to its value', async (t) => {
  t.equal((await sandbox.run('(async () => 6 * 7)()')).value, 42);
  await t.rejects(sandbox.run('(async () => { throw new RangeError("bad") })()'), { code: 'SMOL_SANDBOX_ERROR', message: /RangeError: bad/ });
  await t.rejects(sandbox.run('new Promise(() => {})'), { code: 'SMOL_SANDBOX_ERROR', message: /never settles/ });
});

t.test('an infinite loop is stopped at the time limit', async (t) => {
  // How promptly it stops is a figure for a benchmark; the test asserts that it stops, with the code.
  await t.rejects(sandbox.run('while (true) {}'), { code: 'SMOL_SANDBOX_TIMEOUT' });
  await t.rejects(sandbox.run('for (;;) { try { while (true) {} } catch (e) {} }'), { code: 'SMOL_SANDBOX_TIMEOUT' }, 'catching the interrupt does not help');
});

t.test('a memory bomb hits the memory limit, not the host', async (t) => {
  const before = process.memoryUsage().rss;
  await t.rejects(sandbox.run('const a = []; while (true) a.push(new Array(100000).fill(1.5))'), { code: 'SMOL_SANDBOX_MEMORY' });
  await t.rejects(sandbox.run('let s = "x"; while (true) s += s'), { code: 'SMOL_SANDBOX_MEMORY' });
  await t.rejects(sandbox.run('new ArrayBuffer(1e9)'), { code: 'SMOL_SANDBOX_MEMORY' });
  t.ok(process.memoryUsage().rss - before < 400 * 1024 * 1024, 'the host did not grow by gigabytes');
});

t.test('deep recursion hits the stack limit', async (t) => {
  await t.rejects(sandbox.run('function f(n) { return f(n + 1) + 1 } f(0)'), { code: 'SMOL_SANDBOX_STACK' });
  await t.rejects(sandbox.run('const o = {}; o.toString = () => String(o); String(o)'), { code: 'SMOL_SANDBOX_STACK' });
});

t.test('there is no way to the host', async (t) => {
  const r = await sandbox.run(`[typeof require, typeof process, typeof fetch, typeof setTimeout, typeof XMLHttpRequest, typeof WebAssembly, typeof std, typeof os,
    typeof (0, eval)('this').process, typeof Function('return this')().require, globalThis.constructor.constructor('return typeof process')()]`);
  t.same(r.value, Array(11).fill('undefined'));
  await t.rejects(sandbox.run('import("fs")'), { code: 'SMOL_SANDBOX_ERROR', message: /could not load module/ });
  await t.rejects(sandbox.run('import fs from "fs"'), { code: 'SMOL_SANDBOX_ERROR' });
  await t.rejects(sandbox.run('process.exit(1)'), { code: 'SMOL_SANDBOX_ERROR', message: /ReferenceError/ });
});

t.test('each run starts clean: nothing survives from the last one', async (t) => {
  await sandbox.run('globalThis.leak = 42; Object.prototype.polluted = true');
  t.same((await sandbox.run('[typeof leak, ({}).polluted]')).value, ['undefined', null]);
  await t.rejects(sandbox.run('while (true) {}'), { code: 'SMOL_SANDBOX_TIMEOUT' });
  t.equal((await sandbox.run('1 + 1')).value, 2, 'works again after a failure');
});

t.test('console output is capped', async (t) => {
  const small = new QuickJsSandbox({ timeoutMs: 1000, memoryBytes: 8 * 1024 * 1024, stackBytes: 256 * 1024, maxConsoleLines: 3, maxLineChars: 10 });
  const r = await small.run('for (let i = 0; i < 100; i++) console.log("line number " + i)');
  t.same(r.console, ['line numbe', 'line numbe', 'line numbe', '… (console output cut)']);
});
