import { setTimeout as delay } from 'node:timers/promises';
import { openObjects, type VisionState } from '../../projections/vision.js';
import type { Config } from '../config/schema.js';
import type { VisionCameraEntity } from '../mqtt/vision-discovery.js';
import type { OpenVisionObject } from '../mqtt/vision-frigate.js';
import type { VisionService } from '../../core/vision/vision-service.js';
import type { Shelf } from './context.js';
import type {} from './node.js';
import type {} from './vision-shelf.js';

/** How long the MQTT stream waits at start for the node's projections (the node unit starts after MQTT). */
const NODE_WAIT_MS = 30_000;

/**
 * What the MQTT stream needs for vision (adapters/mqtt/vision-stream.ts): the configured cameras
 * (none when vision is off, so entities of an earlier run are cleared), the objects open now from
 * the `vision` projection, and the vision unit's service, looked up when a snapshot is sent.
 */
export function mqttVisionOf(config: Config, shelf: Shelf): { cameras: VisionCameraEntity[]; currentOpen: () => Promise<OpenVisionObject[]>; service: () => VisionService | undefined } {
  const cameras = config.vision.enabled ? config.vision.cameras.map((c) => ({ name: c.name, labels: c.labels })) : [];
  return {
    cameras,
    currentOpen: async () => {
      if (cameras.length === 0) return [];
      // The node unit starts right after MQTT; until it has put the node on the shelf there is no projection to ask.
      const deadline = Date.now() + NODE_WAIT_MS;
      let node = shelf.peek('node');
      while (!node && Date.now() < deadline) {
        // Unref'd: a node whose start failed does not stay up for this wait.
        await delay(50, undefined, { ref: false });
        node = shelf.peek('node');
      }
      if (!node) throw new Error(`the node did not start within ${NODE_WAIT_MS} ms`);
      const runner = node.runner<VisionState>('vision');
      await runner.caughtUp();
      return openObjects(runner.state, node.journal.nodeId);
    },
    service: () => shelf.peek('vision'),
  };
}
