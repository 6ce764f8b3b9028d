import t from 'tap';
import { loadConfig } from '../adapters/config/load-config.js';
import { isSmolError } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

// The memory section (docs/memory.md): defaults sized for a 2 GB Pi, and bad values refused.

t.test('the memory section defaults to a 256 MB budget sampled every 5 s', async (t) => {
  const config = await loadConfig({ cwd: tempDir(t), env: {}, flags: {} });
  t.same(config.memory, { enabled: true, budgetMb: 256, sampleIntervalMs: 5000, largeSyncPushBytes: 1 << 20, ringUnderPressure: 256 });
});

t.test('memory keys come from env and --set like every other key', async (t) => {
  const config = await loadConfig({ cwd: tempDir(t), env: { SMOLLAMA_MEMORY__BUDGET_MB: '1024' }, flags: { set: ['memory.enabled=false'] } });
  t.equal(config.memory.budgetMb, 1024);
  t.equal(config.memory.enabled, false);
});

t.test('a budget that is not a whole number of MB of at least 32, or an unknown key, is SMOL_CONFIG_INVALID naming the key', async (t) => {
  for (const set of ['memory.budgetMb=16', 'memory.budgetMb=lots', 'memory.budgetMb=100.5', 'memory.sampleIntervalMs=10', 'memory.budgetMB=512']) {
    const err = await loadConfig({ cwd: tempDir(t), env: {}, flags: { set: [set] } }).then(() => undefined, (e: unknown) => e);
    t.ok(isSmolError(err) && err.code === 'SMOL_CONFIG_INVALID', `${set} is refused with SMOL_CONFIG_INVALID`);
    t.match((err as Error).message, /memory\.(budgetMb|sampleIntervalMs|budgetMB)/, 'and the message names the key');
  }
});
