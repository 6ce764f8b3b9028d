import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { JournalEntry } from './types.js';

/** What a page subscribes to. `fromPosition` undefined: only what is appended from now on. */
export interface StreamOptions {
  types?: string[];
  origins?: string[];
  fromPosition?: number;
  onEvents(entries: JournalEntry[]): void;
  /**
   * The node's journal is not the one this page read (it was rebuilt: the stream's position lies
   * past its end, SMOL_WS_POSITION_AHEAD). Default: reload the page, so what it shows by REST and
   * by stream comes from the same journal again.
   */
  onJournalReplaced?(): void;
}

type Status = 'connecting' | 'catching-up' | 'live' | 'offline';

/**
 * Owns one WebSocket to /ws for the lifetime of its host element: subscribes when the host is
 * connected, closes when it is removed, and after a drop reconnects and resumes from the last
 * position it saw, so the page gets every event once.
 */
export class JournalStream implements ReactiveController {
  status: Status = 'offline';
  /** When the connection to the node was lost (ms), until it is live again: what it shows is stale since then. */
  downSince: number | undefined;
  private socket: WebSocket | undefined;
  private next: number | undefined;
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  /**
   * Subscribes sent and not yet answered. Until the newest one is answered, frames still on the
   * wire belong to a replaced subscription (say, the one sent on open before the page's REST
   * answer set the start position) and are dropped: they would repeat what the new one sends.
   */
  private unanswered = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private options: StreamOptions,
  ) {
    this.next = options.fromPosition;
    host.addController(this);
  }

  hostConnected(): void {
    this.stopped = false;
    this.connect();
  }

  hostDisconnected(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = undefined;
  }

  /** Changes filters and start position, and resubscribes. */
  resubscribe(options: Partial<StreamOptions>): void {
    this.options = { ...this.options, ...options };
    this.next = options.fromPosition;
    if (this.socket?.readyState === WebSocket.OPEN) this.subscribe(this.socket);
  }

  private setStatus(status: Status): void {
    if (status === 'live') this.downSince = undefined;
    else if (status === 'offline' && !this.stopped) this.downSince ??= Date.now();
    this.status = status;
    this.host.requestUpdate();
  }

  private subscribe(socket: WebSocket): void {
    const { types, origins } = this.options;
    this.unanswered += 1;
    socket.send(JSON.stringify({ op: 'subscribe', ...(types?.length ? { types } : {}), ...(origins?.length ? { origins } : {}), ...(this.next !== undefined ? { fromPosition: this.next } : {}) }));
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus('connecting');
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.socket = socket;
    this.unanswered = 0;
    socket.onopen = () => this.subscribe(socket);
    socket.onmessage = (message) => {
      const m = JSON.parse(String(message.data)) as { op: string; entries?: JournalEntry[]; to?: number; position?: number; fromPosition?: number; code?: string };
      if (m.op === 'error') {
        // The server answers each subscribe once: `subscribed`, or an error that changed nothing.
        this.unanswered = Math.max(0, this.unanswered - 1);
        if (this.unanswered === 0 && m.code === 'SMOL_WS_POSITION_AHEAD') (this.options.onJournalReplaced ?? (() => location.reload()))();
      } else if (m.op === 'subscribed') {
        this.unanswered = Math.max(0, this.unanswered - 1);
        if (this.unanswered > 0) return;
        this.next = m.fromPosition;
        this.setStatus('catching-up');
      } else if (this.unanswered > 0) {
        return;
      } else if (m.op === 'events' && m.entries && m.to !== undefined) {
        // Every position once, even if a frame were repeated.
        const from = this.next ?? 0;
        const fresh = m.entries.filter((e) => e.position >= from);
        this.next = Math.max(from, m.to + 1);
        this.retryMs = 500;
        if (fresh.length > 0) this.options.onEvents(fresh);
        this.host.requestUpdate();
      } else if (m.op === 'live' && m.position !== undefined) {
        this.next = Math.max(this.next ?? 0, m.position + 1);
        this.setStatus('live');
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.setStatus('offline');
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}
