import { loadOrCreateTokens, type ApiTokens } from '../http/auth/tokens.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** The API tokens (http-tokens.json): HTTP and the embedded broker let callers in with them. */
    tokens: ApiTokens;
  }
}

/** Reads the API tokens, or makes them on a fresh node (SMOL_FILE_CORRUPT for a damaged file: never regenerated silently). */
export function tokensUnit(): NodeUnit {
  return {
    name: 'tokens',
    needs: [],
    async start({ config, shelf }) {
      shelf.put('tokens', await loadOrCreateTokens(config.dataDir));
    },
    async stop() {},
    health: () => ({ state: 'running' }),
  };
}
