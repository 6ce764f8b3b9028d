import t from 'tap';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { JournalStream } from '../ui/src/journal-stream.js';
import type { JournalEntry } from '../ui/src/types.js';
import { waitFor } from './helpers/wait-for.js';

/** A WebSocket double for the browser's: records what the stream sends, lets the test speak for the server. */
class FakeSocket {
  static readonly OPEN = 1;
  static last: FakeSocket | undefined;
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | undefined;
  onmessage: ((m: { data: string }) => void) | undefined;
  onclose: (() => void) | undefined;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  server(m: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

const g = globalThis as unknown as { WebSocket: unknown; location: unknown };
g.WebSocket = FakeSocket;
g.location = { protocol: 'http:', host: '127.0.0.1:8080' };

const entry = (position: number) => ({ position, event: { id: `n:${position}`, type: 'node.stopped' } }) as unknown as JournalEntry;
const events = (...positions: number[]) => ({ op: 'events', entries: positions.map(entry), to: positions.at(-1) });

function page() {
  const controllers: ReactiveController[] = [];
  const host: ReactiveControllerHost = { addController: (c) => void controllers.push(c), removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
  const got: number[] = [];
  const stream = new JournalStream(host, { onEvents: (es) => got.push(...es.map((e) => e.position)) });
  controllers.forEach((c) => c.hostConnected?.());
  return { stream, got, socket: FakeSocket.last! };
}

t.test('frames of a replaced subscription are dropped: the page gets each event once', async (t) => {
  const { stream, got, socket } = page();
  socket.open();
  t.same(socket.sent, [{ op: 'subscribe' }], 'on open it subscribes to what comes next');
  // The page's REST answer arrives: it has everything up to 218 and resubscribes from 219.
  stream.resubscribe({ fromPosition: 219 });
  t.same(socket.sent.at(-1), { op: 'subscribe', fromPosition: 219 });
  // The server answers the first subscribe and sends 219 live before it reads the second.
  socket.server({ op: 'subscribed', fromPosition: 219, lastPosition: 218 });
  socket.server({ op: 'live', position: 218 });
  socket.server(events(219));
  t.same(got, [], 'nothing from the replaced subscription');
  socket.server({ op: 'subscribed', fromPosition: 219, lastPosition: 219 });
  socket.server(events(219));
  socket.server({ op: 'live', position: 219 });
  socket.server(events(220, 221));
  t.same(got, [219, 220, 221]);
  t.equal(stream.status, 'live');
});

t.test('a repeated frame or entry is not delivered twice, and a reconnect resumes after the last', async (t) => {
  const { got, socket } = page();
  socket.open();
  socket.server({ op: 'subscribed', fromPosition: 5, lastPosition: 4 });
  socket.server(events(5, 6));
  socket.server(events(6, 7));
  t.same(got, [5, 6, 7]);
  socket.onclose?.();
  await waitFor(() => FakeSocket.last !== socket, { timeoutMs: 5000, message: 'the stream to reconnect after its backoff' });
  const again = FakeSocket.last!;
  t.not(again, socket, 'it reconnected');
  again.open();
  t.same(again.sent, [{ op: 'subscribe', fromPosition: 8 }], 'resuming after the last event it delivered');
});
