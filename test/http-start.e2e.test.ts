import t from 'tap';
import { loadConfig } from '../adapters/config/load-config.js';
import { startNode } from '../adapters/cli/commands/start.js';
import { runStatus } from '../adapters/cli/commands/status.js';
import { readStatusFile } from '../adapters/cli/data-dir.js';
import type { Output } from '../adapters/cli/output.js';
import { tempDir } from './helpers/temp-dir.js';

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => void lines.push(l), err: (l) => void lines.push(l) };
}

t.test('smollama start serves the API on config.http.port, records the URL, and status --show-tokens shows the tokens', async (t) => {
  const cwd = tempDir(t);
  const config = await loadConfig({ cwd, env: {}, flags: { port: '0', set: ['mqtt.enabled=false', 'sensors.system.intervalMs=200', 'sensors.gpio.mode=simulated'] } });
  const output = capture();
  const running = await startNode(config, output);
  t.teardown(() => running.stop('test'));
  t.match(running.http.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  t.ok(output.lines.some((l) => l === `dashboard: ${running.http.url}`));
  const health = await fetch(new URL('/api/health', running.http.url));
  t.equal(health.status, 200);
  t.equal((await health.json()).node.name, config.node.name);
  t.equal((await readStatusFile(config.dataDir))?.http, running.http.url);
  const status = capture();
  await runStatus(config, false, status, { showTokens: true });
  t.ok(status.lines.join('\n').includes(`api token (admin): ${running.http.tokens.admin}`));
  t.ok(status.lines.join('\n').includes(`dashboard: ${running.http.url}`));
});
