import t from 'tap';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { JournalStream } from '../ui/src/journal-stream.js';
import type { JournalEntry } from '../ui/src/types.js';

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

function page(fromPosition?: number) {
  const controllers: ReactiveController[] = [];
  const host: ReactiveControllerHost = { addController: (c) => void controllers.push(c), removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
  const got: number[] = [];
  let replaced = 0;
  const stream = new JournalStream(host, { ...(fromPosition ? { fromPosition } : {}), onEvents: (es) => got.push(...es.map((e) => e.position)), onJournalReplaced: () => replaced++ });
  controllers.forEach((c) => c.hostConnected?.());
  return { stream, got, socket: FakeSocket.last!, replaced: () => replaced };
}

t.test('a subscribe refused as past the journal\'s end tells the page its journal was replaced', async (t) => {
  const { got, socket, replaced } = page(50_001);
  socket.open();
  t.same(socket.sent, [{ op: 'subscribe', fromPosition: 50_001 }]);
  socket.server({ op: 'error', code: 'SMOL_WS_POSITION_AHEAD', message: 'past the end', lastPosition: 120, nodeId: 'n' });
  t.equal(replaced(), 1, 'the page is told (by default it reloads)');
  t.same(got, []);
});

t.test('an error answers one subscribe: the stream does not wait forever for a subscribed', async (t) => {
  const { stream, got, socket, replaced } = page();
  socket.open();
  stream.resubscribe({ fromPosition: 10 });
  // Two subscribes out; the first is refused (say, a bad filter), the second answered.
  socket.server({ op: 'error', code: 'SMOL_BAD_REQUEST', message: 'bad' });
  socket.server({ op: 'subscribed', fromPosition: 10, lastPosition: 12 });
  socket.server(events(10, 11, 12));
  socket.server({ op: 'live', position: 12 });
  t.same(got, [10, 11, 12]);
  t.equal(stream.status, 'live');
  t.equal(replaced(), 0);
});

t.test('an ahead answer to an older subscribe does not count once a newer one is out', async (t) => {
  const { stream, socket, replaced } = page(900);
  socket.open();
  stream.resubscribe({ fromPosition: 5 });
  socket.server({ op: 'error', code: 'SMOL_WS_POSITION_AHEAD', message: 'past the end', lastPosition: 7 });
  t.equal(replaced(), 0, 'the newer subscribe is still unanswered');
  socket.server({ op: 'subscribed', fromPosition: 5, lastPosition: 7 });
  t.equal(stream.status, 'catching-up');
});
