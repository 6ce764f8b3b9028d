import WebSocket from 'ws';
import { waitFor } from './wait-for.js';

/** A message the node's /ws sends (loosely typed for tests). */
export interface WsMessage {
  op: string;
  entries?: Array<{ position: number; event: { type: string; id: string; data: unknown } }>;
  to?: number;
  position?: number;
  code?: string;
  [k: string]: unknown;
}

/** A test client of /ws that records every message and can wait for a condition. */
export class WsTestClient {
  readonly messages: WsMessage[] = [];
  readonly positions: number[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as WsMessage;
      this.messages.push(m);
      for (const e of m.entries ?? []) this.positions.push(e.position);
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  /** Connects; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new WsTestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves when `check` holds, or rejects after `ms` saying what it waited for (waitFor). */
  until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    return waitFor(check, { timeoutMs: ms, message: what, intervalMs: 5 });
  }

  lastPosition(): number {
    return this.positions[this.positions.length - 1] ?? 0;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
