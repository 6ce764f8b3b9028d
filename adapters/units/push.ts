import type { PushReadings } from '../../core/devices/device-port.js';
import type { EdgeSource } from '../../core/devices/device-port.js';
import { createReadingsPush, type ReadingsPush } from '../devices/push-readings.js';
import { EdgeHub } from '../devices/edge-hub.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /**
     * Journals readings that happen now (GPIO edges, pulses) as `reading.sampled`, outside the
     * sampler's ticks. Pushes before `node.started` wait for it; after the node stops they are refused.
     */
    pushReadings: PushReadings;
    /** The gate of `pushReadings`: the begin unit opens it, and closes it before `node.stopped`. */
    readingsGate: Pick<ReadingsPush, 'open' | 'close'>;
    /** Edges of GPIO inputs, as the GPIO provider pushes them through `pushReadings` (edge-hub.ts). */
    edgeSource: EdgeSource;
  }
}

/** The push path for readings (adapters/devices/push-readings.ts) and the GPIO edges it carries, on the shelf for GPIO and devices. */
export function pushUnit(): NodeUnit {
  let gate: ReadingsPush | undefined;
  return {
    name: 'push',
    needs: ['journal'],
    async start({ shelf }) {
      const edges = new EdgeHub();
      gate = createReadingsPush(shelf.get('journal'), { onPush: (values) => edges.fromReadings(values) });
      shelf.put('pushReadings', gate.push);
      shelf.put('readingsGate', gate);
      shelf.put('edgeSource', edges);
    },
    async stop() {
      gate?.close();
    },
    health: () => ({ state: 'running' }),
  };
}
