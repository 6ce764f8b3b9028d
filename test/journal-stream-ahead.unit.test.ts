import t from 'tap';
import { events, streamPage } from './helpers/journal-stream-page.js';

function page(fromPosition?: number) {
  let replaced = 0;
  return { ...streamPage({ ...(fromPosition ? { fromPosition } : {}), onJournalReplaced: () => replaced++ }), replaced: () => replaced };
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
