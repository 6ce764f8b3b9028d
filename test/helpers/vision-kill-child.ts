/**
 * A node with the vision unit in a process of its own, killed with SIGKILL by
 * test/vision-faults-kill.e2e.test.ts while its tracker has an object open.
 *
 *   spawn(node, ['--import', 'tsx', 'test/helpers/vision-kill-child.ts', cwd, mqttUrl ?? ''])
 *
 * The child starts the node, journals what its tracker would for a person still in view (`new`,
 * `update`, no `end`) and one that left (`new`, `end`), waits until the vision projection has
 * them, prints `ready <nodeId>` and idles until it is killed. No model runs: the camera's directory
 * does not exist, so no frame is ever grabbed.
 */
import { join } from 'node:path';
import { loadConfig } from '../../adapters/config/load-config.js';
import { startNode } from '../../adapters/cli/commands/start.js';
import type { Config } from '../../adapters/config/schema.js';

/** The config both runs use: one dir camera that gives no frame, MQTT only when a broker is given. */
export function visionKillConfig(cwd: string, mqttUrl: string | undefined): Promise<Config> {
  return loadConfig({
    cwd,
    env: { SMOLLAMA_VISION__CAMERAS: `[{name: porch, source: dir, path: ${JSON.stringify(join(cwd, 'no-such-dir'))}, labels: [person]}]` },
    flags: {
      port: '0',
      set: [
        'http.host=127.0.0.1',
        ...(mqttUrl ? [`mqtt.url=${mqttUrl}`] : ['mqtt.enabled=false']),
        'observer.enabled=false',
        'sensors.system.intervalMs=60000',
        'sensors.gpio.mode=simulated',
        'llm.host=http://127.0.0.1:9',
        'vision.enabled=true',
        'log.format=json',
      ],
    },
  });
}

export const BOX = { x: 0.1, y: 0.1, w: 0.3, h: 0.6 };
const person = (objectId: string, phase: 'new' | 'update' | 'end', startedAtMs: number) => ({
  type: 'vision.detected',
  v: 1,
  data: { camera: 'porch', objectId, phase, label: 'person', score: 0.8, topScore: 0.8, box: BOX, zones: [], startedAtMs },
});

async function child(cwd: string, mqttUrl: string | undefined): Promise<void> {
  const config = await visionKillConfig(cwd, mqttUrl);
  const running = await startNode(config, { out: () => undefined, err: (line) => void process.stderr.write(`${line}\n`) });
  const journal = running.node.journal;
  // The unit ends what a previous run left open once the projection caught up at start: let it look first.
  await running.node.runner('vision').caughtUp();
  const [, , last] = await journal.append([person('open-1', 'new', 1000), person('gone-2', 'new', 2000), person('gone-2', 'end', 2000)]);
  const more = await journal.append([person('open-1', 'update', 1000)]);
  await running.node.runner('vision').caughtUp(more[0]?.position ?? last?.position);
  process.stdout.write(`ready ${journal.nodeId}\n`);
  setInterval(() => undefined, 60_000);
}

if (process.argv[1]?.endsWith('vision-kill-child.ts')) await child(process.argv[2]!, process.argv[3] || undefined);
