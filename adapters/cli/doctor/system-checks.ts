import { access, constants, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import type { Config } from '../../config/schema.js';
import { ErrorCodes } from '../../../core/errors.js';
import { dataDirError, widePermissions } from '../data-dir-checks.js';
import { freeBytes } from '../disk-watch.js';
import { fail, ok, reason, warn, type CheckResult } from './check.js';
import { formatAmount } from '../progress.js';

/** Node.js's oldest supported major (package.json "engines"). */
export const NODE_MIN_MAJOR = 20;
/**
 * The one supported way to a new enough Node.js on a Pi, as deploy/install-pi.sh says it (Node.js
 * only from the distribution's apt repositories, no third-party repositories).
 */
export const NODE_REMEDY =
  "Raspberry Pi OS 12 'bookworm' ships Node.js 18: install Node.js 20 from NodeSource's apt repository (curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs), then run deploy/install-pi.sh again";

/** Node.js version against NODE_MIN_MAJOR. */
export function checkNodeVersion(version = process.versions.node): CheckResult {
  const major = Number(version.split('.')[0]);
  return major >= NODE_MIN_MAJOR
    ? ok('node', `Node.js ${version}`)
    : fail('node', `Node.js ${version} is older than ${NODE_MIN_MAJOR}`, NODE_REMEDY);
}

const octal = (mode: number) => '0' + mode.toString(8);

/** The nearest directory of `path` (itself or above) that exists. */
async function nearestExisting(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    if (await stat(p).then(() => true, () => false)) return p;
    if (dirname(p) === p) return p;
  }
}

/** The data directory: a directory (or creatable), writable, 0700 with 0600 secrets. Changes nothing. */
export async function checkDataDir(dataDir: string): Promise<CheckResult> {
  const name = 'data dir';
  const s = await stat(dataDir).catch((err: unknown) => err as NodeJS.ErrnoException);
  if (s instanceof Error) {
    if (s.code !== 'ENOENT') {
      const e = dataDirError(dataDir, s);
      return fail(name, e?.message ?? `${dataDir}: ${reason(s)}`, 'choose another dataDir (--data-dir or dataDir in the config)', e?.code);
    }
    const parent = await nearestExisting(dataDir);
    const writable = await access(parent, constants.W_OK | constants.X_OK).then(() => true, () => false);
    const parentIsDir = (await stat(parent).catch(() => undefined))?.isDirectory() === true;
    return writable && parentIsDir
      ? ok(name, `${dataDir} does not exist yet; smollama start creates it (0700)`)
      : fail(name, `${dataDir} cannot be created: ${parent} is ${parentIsDir ? 'not writable by this user' : 'not a directory'}`, `create it for this user (sudo install -d -m 0700 -o $(id -un) ${dataDir}) or choose another dataDir`, ErrorCodes.CONFIG_UNREADABLE);
  }
  if (!s.isDirectory()) return fail(name, `${dataDir} is not a directory`, 'choose another dataDir (--data-dir or dataDir in the config)', ErrorCodes.CONFIG_UNREADABLE);
  if (!(await access(dataDir, constants.W_OK | constants.X_OK).then(() => true, () => false))) {
    return fail(name, `${dataDir} is not writable by this user`, `run the node as its owner, or: sudo chown -R $(id -un) ${dataDir}`, ErrorCodes.CONFIG_UNREADABLE);
  }
  const wide = await widePermissions(dataDir);
  if (wide.length > 0) {
    const list = wide.map((w) => `${w.path} is ${octal(w.mode)} (wanted ${octal(w.wanted)})`).join(', ');
    const fix = wide.map((w) => `chmod ${w.wanted.toString(8)} ${w.path}`).join('; ');
    return warn(name, `readable by other local users: ${list}`, `${fix} (smollama start also tightens them)`, ErrorCodes.FILE_PERMISSIONS);
  }
  return ok(name, `${dataDir} (0700, secrets 0600)`);
}

/** Free space on the data disk against journal.minFreeBytes (warn under twice that, fail under it). */
export async function checkDisk(config: Config): Promise<CheckResult> {
  const name = 'disk';
  const where = await nearestExisting(config.dataDir);
  const free = await freeBytes(where);
  if (free === undefined) return warn(name, `free space on ${where} could not be read`, 'check the disk with df -h');
  const min = config.journal.minFreeBytes;
  const line = `${formatAmount(free, 'bytes')} free on ${where}`;
  if (min > 0 && free < min) {
    return fail(name, `${line}, below journal.minFreeBytes (${formatAmount(min, 'bytes')}): observations, questions and imports would be refused`, 'free space on that disk (sudo journalctl --vacuum-size=100M, apt clean, old models: ollama rm)', ErrorCodes.DISK_LOW);
  }
  if (min > 0 && free < 2 * min) return warn(name, `${line}, less than twice journal.minFreeBytes (${formatAmount(min, 'bytes')})`, 'free space on that disk soon', ErrorCodes.DISK_LOW);
  return ok(name, line);
}

/** Whether the clock is synchronised (NTP): timedatectl, else systemd-timesyncd's flag file, else unknown. */
export async function checkClock(options: { flagFile?: string; timedatectl?: string; now?: () => number } = {}): Promise<CheckResult> {
  const name = 'clock';
  const now = (options.now ?? Date.now)();
  // Without a real-time clock a Pi that boots offline starts in the past: every event would be stamped wrong.
  if (new Date(now).getUTCFullYear() < 2024) {
    return fail(name, `the clock says ${new Date(now).toISOString()}`, 'set the time (sudo timedatectl set-ntp true with network, or sudo date -s ...) before starting a node', ErrorCodes.CLOCK_SKEW);
  }
  const answer = await new Promise<string | undefined>((resolve) =>
    execFile(options.timedatectl ?? 'timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 }, (err, stdout) => resolve(err ? undefined : stdout.trim())),
  );
  if (answer === 'yes') return ok(name, 'synchronised (timedatectl: NTPSynchronized=yes)');
  if (answer === 'no') return warn(name, 'not synchronised (timedatectl: NTPSynchronized=no)', 'sudo timedatectl set-ntp true, and give the node network access to an NTP server', ErrorCodes.CLOCK_SKEW);
  const flag = options.flagFile ?? '/run/systemd/timesync/synchronized';
  if (await access(flag).then(() => true, () => false)) return ok(name, `synchronised (${flag})`);
  return warn(name, 'unknown: no timedatectl answer and no systemd-timesyncd flag file', 'make sure an NTP client keeps the clock right (systemd-timesyncd, chrony)');
}

/** The GPIO check lives beside the GPIO backends' choice (gpio-check.ts). */
export { checkGpio } from './gpio-check.js';
