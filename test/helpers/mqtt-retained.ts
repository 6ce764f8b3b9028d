import { connect } from 'mqtt';
import { waitFor } from './wait-for.js';

const PROBE = 'smollama-test/probe';

/**
 * The retained messages under `filter` right now: a fresh client subscribes, then publishes a
 * probe to itself; the broker sends retained messages right after the SUBACK, so once the probe
 * is back every retained message has arrived. Empty payloads (deleted entities) are left out.
 */
export async function retained(url: string, filter: string): Promise<Map<string, string>> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const got = new Map<string, string>();
    let probed = false;
    client.on('message', (topic, payload, packet) => {
      if (topic === PROBE) probed = true;
      else if (packet.retain && payload.length > 0) got.set(topic, payload.toString('utf8'));
    });
    await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
    await client.subscribeAsync([filter, PROBE], { qos: 1 });
    await client.publishAsync(PROBE, 'x', { qos: 1 });
    await waitFor(() => probed, { timeoutMs: 5000, message: 'the probe to come back' });
    return got;
  } finally {
    await client.endAsync(true);
  }
}
