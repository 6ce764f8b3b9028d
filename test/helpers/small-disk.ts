import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { tempDir } from './temp-dir.js';

/**
 * Why a test that needs a small real filesystem cannot run here, or undefined when it can. Mounting
 * a tmpfs needs root: outside CI a missing root skips LOUDLY; with CI=true (which runs as root) it
 * is a failure.
 */
export function smallDiskUnavailable(): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  const reason = 'mounting a small tmpfs needs root (run as root, as .ci/run does)';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: .ci/run runs as root)`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING: ${reason}\n${'!'.repeat(78)}\n`);
  return reason;
}

/** A tmpfs of `sizeMb` mounted on a fresh temp dir, unmounted when the test ends. */
export function mountSmallDisk(t: Test, sizeMb = 12): string {
  const dir = tempDir(t, 'smollama-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  // Registered after tempDir's removal, so it runs first (tap runs teardowns last-in first-out).
  t.teardown(() => {
    // Lazy: a child that did not exit must not leave the mount (or the test run) hanging.
    execFileSync('umount', ['-l', dir]);
  });
  return dir;
}

/** Fills the filesystem holding `dir` until ENOSPC with one filler file; returns its path. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Frees what fillDisk took. */
export function freeDisk(filler: string): void {
  rmSync(filler, { force: true });
}
