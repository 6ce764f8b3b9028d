import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RouteGroup } from '../app.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

// Everything the page loads comes from this node: no CDN, works with no internet.
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The dashboard's files from the built UI directory (ui/dist). The file list is read once at
 * start (a fixed route per file, so nothing outside the directory can be named); the contents
 * on each request, so a rebuild shows without a restart. Public: the bundle holds no secrets.
 */
export const staticRoutes: RouteGroup = async (app, { deps }) => {
  const dir = deps.uiDir;
  const files = dir ? await readdir(dir).catch(() => [] as string[]) : [];
  const served = files.filter((f) => /^[\w.-]+$/.test(f) && TYPES[extname(f)] !== undefined);
  for (const file of served) {
    const route = file === 'index.html' ? '/' : `/${file}`;
    app.get(route, async (_request, reply) => {
      const body = await readFile(join(dir!, file));
      void reply.header('content-type', TYPES[extname(file)]!).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache');
      if (file === 'index.html') void reply.header('content-security-policy', CSP);
      return reply.send(body);
    });
  }
  if (!served.includes('index.html')) {
    app.get('/', async (_request, reply) =>
      reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send(`The dashboard is not built${dir ? ` (nothing in ${dir})` : ''}. Run \`npm run build\`; the JSON API is at /api.\n`),
    );
  }
};
