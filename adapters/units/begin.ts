import type { NodeUnit } from './context.js';

/**
 * The first event of this run: `node.started` and the sources, then sampling and sealing. It needs
 * every unit that acquires something that can fail (ports, locks, files), so a start that fails
 * journals nothing. Its stop is the `node` unit's (`node.stopped`).
 */
export function beginUnit(after: readonly string[]): NodeUnit {
  return {
    name: 'begin',
    needs: [...after],
    async start({ shelf }) {
      await shelf.get('node').begin();
    },
    async stop() {},
    health: () => ({ state: 'running' }),
  };
}
