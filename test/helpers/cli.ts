import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const mainTs = fileURLToPath(new URL('../../adapters/cli/main.ts', import.meta.url));

/** The environment for child processes: no SMOLLAMA_* from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SMOLLAMA_')) env[k] = v;
  return { ...env, ...extra };
}

/** Spawns `smollama …` from source (tsx), in `cwd`. */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', mainTs, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `smollama …` to completion. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child);
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Resolves when the child's stdout has printed a line matching `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; saw: ${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern}; saw: ${seen}`));
    });
  });
}

/**
 * `smollama start` arguments for a test node that samples fast and talks to nothing: a free port,
 * no MQTT, no observer, simulated GPIO, system and GPIO sensors every 100 ms, no disk watermark,
 * a 200 ms readings window, and a model host where nothing listens.
 */
export function fastNodeArgs(dataDir: string): string[] {
  return [
    'start',
    '--data-dir', dataDir,
    '--port', '0',
    '--set', 'mqtt.enabled=false',
    '--set', 'observer.enabled=false',
    '--set', 'sensors.system.intervalMs=100',
    '--set', 'sensors.gpio.mode=simulated',
    '--set', 'sensors.gpio.intervalMs=100',
    '--set', 'journal.minFreeBytes=0',
    // A short readings window: still group-committed, but readings show up within 200 ms, not 10 s.
    '--set', 'journal.readingsCommitMs=200',
    '--set', 'llm.host=http://127.0.0.1:9',
  ];
}
