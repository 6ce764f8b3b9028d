import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { isLoopback } from '../http/auth/guard.js';

/** What a broker client may do: `read` subscribes, `admin` may also publish. */
export type BrokerScope = 'read' | 'admin';

/** Maps presented credentials to a scope; undefined = refused. */
export type BrokerCredentials = (username: string | undefined, password: string | undefined) => BrokerScope | undefined;

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** mqtt://host:port to connect to (127.0.0.1 when listening on every address). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts an aedes broker (MQTT 3.1.1, in memory) on host:port; used when no broker is configured.
 * Like the HTTP API it is open on loopback; a client from any other address must present an API
 * token as its password (the read token may subscribe, the admin token may also publish), because
 * the stream carries private data and publishing reaches the agent and the journal.
 * Rejects with the listen error (EADDRINUSE, …).
 */
export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  credentials?: BrokerCredentials;
  /** Addresses let in without credentials (default: loopback); tests pass `() => false` to act as a LAN client. */
  trusted?: (address: string | undefined) => boolean;
}): Promise<EmbeddedBroker> {
  const trusted = options.trusted ?? isLoopback;
  const scopes = new WeakMap<Client, BrokerScope>();
  const refuse = (code: 4 | 5, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const address = (client.conn as Partial<Socket>).remoteAddress;
      if (trusted(address)) {
        scopes.set(client, 'admin');
        return done(null, true);
      }
      const scope = options.credentials?.(username, password?.toString('utf8'));
      if (!scope) return done(refuse(password ? 4 : 5, 'an API token is required from this address'), false);
      scopes.set(client, scope);
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      if (client && scopes.get(client) !== 'admin') return done(new Error(`publishing to ${packet.topic} needs the admin token`));
      done(null);
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `mqtt://${shown}:${port}`,
    port,
    async close() {
      // Like a broker going away: connections drop (clients' last wills fire), nothing is kept.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
