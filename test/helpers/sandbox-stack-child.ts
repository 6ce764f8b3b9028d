/**
 * Child process for test/sandbox-stack.int.test.ts: runs each program given as a JSON argument
 * through the QuickJS sandbox (with the agent's default limits) and through the agent's run_code
 * tool, and prints one JSON line per outcome. The parent reads stderr, where QuickJS' aborts
 * (`Assertion failed: list_empty(&rt->gc_obj_list)`) are printed by the wasm module itself.
 */
import { randomUUID } from 'node:crypto';
import { QuickJsSandbox } from '../../adapters/sandbox/quickjs-sandbox.js';
import { configSchema } from '../../adapters/config/schema.js';
import { openMemoryJournal } from '../../core/journal/open-journal.js';
import { ToolRegistry } from '../../core/tools/registry.js';
import { codeTool } from '../../core/tools/code-tool.js';

const programs = JSON.parse(process.argv[2] ?? '[]') as string[];
const { agent } = configSchema.parse({ dataDir: '/nonexistent', node: { name: 'child' } });
const sandbox = new QuickJsSandbox({ timeoutMs: agent.codeTimeoutMs, memoryBytes: agent.codeMemoryBytes, stackBytes: agent.codeStackBytes });
const journal = await openMemoryJournal();
const tools = new ToolRegistry({ journal, newId: randomUUID }).register(codeTool(sandbox));

for (const code of programs) {
  let direct: { ok: boolean; code?: string; value?: unknown };
  try {
    direct = { ok: true, value: (await sandbox.run(code)).value };
  } catch (err) {
    direct = { ok: false, code: (err as { code?: string }).code ?? `not coded: ${(err as Error).name}` };
  }
  const viaTool = await tools.call('run_code', { code }, { caller: { kind: 'api' }, registers: new Map() });
  process.stdout.write(JSON.stringify({ program: code, direct, tool: viaTool.ok ? { ok: true } : { ok: false, code: viaTool.error.code } }) + '\n');
}
await journal.close();
