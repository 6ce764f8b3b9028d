import type { NodeUnit } from './context.js';

/**
 * The first event of this run: `node.started` and the sources, then sampling and sealing. It needs
 * every unit that acquires something that can fail (ports, locks, files), so a start that fails
 * journals nothing. Its stop is the `node` unit's (`node.stopped`).
 */
export function beginUnit(after: readonly string[]): NodeUnit {
  let gate: { open(): void; close(): void } | undefined;
  return {
    name: 'begin',
    needs: [...after],
    async start({ shelf }) {
      await shelf.get('node').begin();
      // Readings pushed by edges and pulses (push unit) are journaled from node.started on.
      gate = shelf.peek('readingsGate');
      gate?.open();
    },
    async stop() {
      // … and not after node.stopped, which the node unit journals after this stop.
      gate?.close();
    },
    health: () => ({ state: 'running' }),
  };
}
