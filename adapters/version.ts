import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one version of this software, read from package.json (found by walking up from this file, so
 * it works from the sources under tsx and from dist/ alike). Never hard-code it anywhere else.
 */
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'smollama' && typeof pkg.version === 'string') return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new TypeError('package.json of smollama not found next to the program');
}

export const VERSION = readVersion();
/** What the node calls itself in events, banners and the API: `smollama <version>`. */
export const SOFTWARE = `smollama ${VERSION}`;
