import t from 'tap';
import { FakeSocket, events, streamPage } from './helpers/journal-stream-page.js';
import { waitFor } from './helpers/wait-for.js';

const page = () => streamPage();

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
