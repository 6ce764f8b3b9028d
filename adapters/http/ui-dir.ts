import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built dashboard (ui/dist) of this installation: the package root is the first directory
 * above this file with a package.json, whether running from source (tsx) or from dist/.
 */
export function findUiDir(from: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'ui', 'dist');
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
