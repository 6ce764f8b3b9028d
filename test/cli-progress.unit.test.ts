import t from 'tap';
import { progressBar, renderBar, type ProgressStream } from '../adapters/cli/progress.js';

function terminal(isTTY: boolean): ProgressStream & { text: string } {
  const s = { isTTY, columns: 80, text: '', write: (x: string) => void (s.text += x) };
  return s;
}

t.test('a bar draws on a terminal, throttled, always at the end, and clears its line when finished', async (t) => {
  let now = 0;
  const tty = terminal(true);
  const bar = progressBar('verify', { json: false, stream: tty, intervalMs: 100, now: () => now });
  bar.update(1, 10);
  bar.update(2, 10); // within 100 ms: not drawn
  now = 150;
  bar.update(5, 10);
  bar.update(10, 10); // the end is always drawn
  t.equal(tty.text.split('\r\x1b[K').filter(Boolean).length, 3);
  t.match(tty.text, 'verify [############------------]  50%  5/10 events');
  t.match(tty.text, '100%  10/10 events');
  bar.finish();
  t.ok(tty.text.endsWith('\r\x1b[K'), 'cleared');
});

t.test('no bar with --json or when stderr is not a terminal', async (t) => {
  for (const [json, isTTY] of [[true, true], [false, false]] as const) {
    const s = terminal(isTTY);
    const bar = progressBar('x', { json, stream: s });
    bar.update(5, 10);
    bar.finish();
    t.equal(s.text, '', `json=${json} tty=${isTTY}`);
  }
});

t.test('an unknown total is a counter; bytes read as KB/MB', async (t) => {
  t.equal(renderBar('export', 2048, undefined, 'bytes'), 'export 2.0 KB');
  t.match(renderBar('pull', 5 * 1024 * 1024, 10 * 1024 * 1024, 'bytes'), '50%  5.0 MB / 10.0 MB');
});
