import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { JournalStream, type StreamOptions } from '../../ui/src/journal-stream.js';
import type { JournalEntry } from '../../ui/src/types.js';

/** A WebSocket double for the browser's: records what the stream sends, lets the test speak for the server. */
export class FakeSocket {
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

// The stream runs in the browser: give it the globals it reads there.
const g = globalThis as unknown as { WebSocket: unknown; location: unknown };
g.WebSocket = FakeSocket;
g.location = { protocol: 'http:', host: '127.0.0.1:8080' };

export const entry = (position: number) => ({ position, event: { id: `n:${position}`, type: 'node.stopped' } }) as unknown as JournalEntry;
export const events = (...positions: number[]) => ({ op: 'events', entries: positions.map(entry), to: positions.at(-1) });

/** A page with one JournalStream on the double: the positions it was given and its socket. */
export function streamPage(options: Omit<StreamOptions, 'onEvents'> = {}) {
  const controllers: ReactiveController[] = [];
  const host: ReactiveControllerHost = { addController: (c) => void controllers.push(c), removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
  const got: number[] = [];
  const stream = new JournalStream(host, { ...options, onEvents: (es) => got.push(...es.map((e) => e.position)) });
  controllers.forEach((c) => c.hostConnected?.());
  return { stream, got, socket: FakeSocket.last! };
}
