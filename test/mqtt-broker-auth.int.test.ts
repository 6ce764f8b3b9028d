import t from 'tap';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../adapters/mqtt/embedded-broker.js';
import { waitFor } from './helpers/wait-for.js';

/** Connects and resolves with the client, or rejects with the broker's refusal. */
function connect(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

t.test('from a non-loopback address the embedded broker wants a token: read subscribes, admin publishes', async (t) => {
  const broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    trusted: () => false, // every client is treated as coming from the LAN
    credentials: (_u, p) => (p === 'admin-token' ? 'admin' : p === 'read-token' ? 'read' : undefined),
  });
  t.teardown(() => broker.close());

  await t.rejects(connect(broker.url), { code: 5 }, 'no credentials: not authorized');
  await t.rejects(connect(broker.url, { username: 'x', password: 'guess' }), { code: 4 }, 'a wrong token is refused');

  const reader = await connect(broker.url, { username: 'smollama', password: 'read-token' });
  const intruder = await connect(broker.url, { username: 'smollama', password: 'read-token' });
  const admin = await connect(broker.url, { username: 'smollama', password: 'admin-token' });
  t.teardown(() => { reader.end(true); intruder.end(true); admin.end(true); });
  const got: string[] = [];
  reader.on('message', (topic, payload) => got.push(`${topic}=${payload.toString()}`));
  await reader.subscribeAsync('smollama/#');
  const dropped = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
  intruder.publish('smollama/n/ask', 'from a reader', { qos: 0 });
  await dropped; // the broker disconnects a client whose publish is not authorized
  await admin.publishAsync('smollama/n/ask', 'from an admin', { qos: 1 });
  // A sentinel after it: once it is in, anything the broker took before (the intruder's publish) would be too.
  await admin.publishAsync('smollama/n/sentinel', 'end', { qos: 1 });
  await waitFor(() => got.includes('smollama/n/sentinel=end'), { timeoutMs: 10_000, message: "the admin's sentinel" });
  t.same(got, ['smollama/n/ask=from an admin', 'smollama/n/sentinel=end'], 'only the admin token may publish');
});

t.test('loopback clients need no credentials', async (t) => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  t.teardown(() => broker.close());
  const client = await connect(broker.url);
  t.ok(client.connected);
  client.end(true);
});
