import type { Config } from '../../config/schema.js';
import type { Output } from '../output.js';
import { progressBar, renderBar, type ProgressBar } from '../progress.js';
import { guarded, worstOf, type CheckResult } from '../doctor/check.js';
import { checkClock, checkDataDir, checkDisk, checkGpio, checkNodeVersion } from '../doctor/system-checks.js';
import { checkBroker, checkPeers, checkPorts, checkTrust } from '../doctor/network-checks.js';
import { checkConfiguredDevices, checkKernelDevices } from '../doctor/devices-check.js';
import { checkCameras } from '../doctor/cameras-check.js';
import { checkModels, type PullReporter } from '../doctor/model-checks.js';

export interface DoctorOptions {
  readonly json: boolean;
  /** Pull the configured models that Ollama lacks. */
  readonly pull: boolean;
  /** Where a pull's progress bar draws (stderr); a test passes a fake terminal. */
  readonly progressStream?: Parameters<typeof progressBar>[1]['stream'];
}

/**
 * `smollama doctor`: every check of what a node needs on this machine, one line each (ok / warn /
 * fail with the remedy), or `{checks, worst}` with --json. Exit 1 when any check fails; warnings
 * (a peer away, an unknown clock state) exit 0. It changes nothing, except pulling models with --pull.
 */
export async function runDoctor(config: Config, options: DoctorOptions, output: Output): Promise<number> {
  const groups = await Promise.all([
    guarded('node', async () => checkNodeVersion()),
    guarded('data dir', () => checkDataDir(config.dataDir)),
    guarded('disk', () => checkDisk(config)),
    guarded('ports', () => checkPorts(config)),
    guarded('ollama', () => checkModels(config, { pull: options.pull, reporter: pullReporter(options, output) })),
    guarded('gpio', () => checkGpio(config)),
    guarded('kernel sensors', () => checkKernelDevices(config)),
    guarded('devices', () => checkConfiguredDevices(config)),
    guarded('cameras', () => checkCameras(config)),
    guarded('clock', () => checkClock()),
    guarded('mqtt broker', () => checkBroker(config)),
    guarded('trust list', () => checkTrust(config)),
    guarded('peers', () => checkPeers(config)),
  ]);
  const checks = groups.flat();
  const worst = worstOf(checks);
  if (options.json) output.out(JSON.stringify({ checks, worst }, null, 2));
  else output.out([...checks.map(checkLine), summary(checks, worst)].join('\n'));
  return worst === 'fail' ? 1 : 0;
}

/** `fail  chat model       qwen2.5:1.5b is not installed in Ollama — fix: ollama pull qwen2.5:1.5b`. */
export function checkLine(c: CheckResult): string {
  return `${c.status.padEnd(4)}  ${c.name.padEnd(16)} ${c.message}${c.remedy ? ` — fix: ${c.remedy}` : ''}`;
}

function summary(checks: readonly CheckResult[], worst: string): string {
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  return `${worst === 'fail' ? 'not ready' : 'ready'}: ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`;
}

/**
 * A pull's progress: a bar on a terminal; otherwise a line on stderr per status and per tenth of
 * each layer, so a log or a test sees it advance; nothing with --json.
 */
function pullReporter(options: DoctorOptions, output: Output): PullReporter {
  const terminal = options.progressStream ?? process.stderr;
  let bar: ProgressBar | undefined;
  let current = { model: '', status: '', tenth: -1 };
  const lines = !options.json && terminal.isTTY !== true;
  return {
    status(model, status) {
      bar?.finish();
      current = { model, status, tenth: -1 };
      bar = progressBar(`${model}: ${status}`, { json: options.json, unit: 'bytes', stream: terminal });
      if (lines) output.err(`pull ${model}: ${status}`);
    },
    progress(done, total) {
      bar?.update(done, total);
      if (!lines || total === undefined || total <= 0) return;
      const tenth = Math.floor((done / total) * 10);
      if (tenth <= current.tenth) return;
      current.tenth = tenth;
      output.err(`pull ${renderBar(`${current.model}: ${current.status}`, done, total, 'bytes')}`);
    },
    finish() {
      bar?.finish();
      bar = undefined;
    },
  };
}
