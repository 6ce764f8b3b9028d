import type { NodeUnit } from './context.js';

/**
 * Closes the MQTT inbox (device topics, questions) before the agent and the node stop, so no
 * question or device reading is journaled after `node.stopped`; the stream (`mqtt`) goes on
 * until the node's last event is out. Its start is the `mqtt` unit's.
 */
export function mqttInboxUnit(): NodeUnit {
  let close: (() => Promise<void>) | undefined;
  return {
    name: 'mqtt-inbox',
    needs: ['mqtt', 'agent'],
    stopTimeoutMs: 1000,
    async start({ shelf }) {
      const mqtt = shelf.get('mqtt');
      close = mqtt && (() => mqtt.closeInbox());
    },
    async stop() {
      await close?.();
    },
    health: () => (close ? { state: 'running' } : { state: 'stopped', message: 'no MQTT' }),
  };
}
