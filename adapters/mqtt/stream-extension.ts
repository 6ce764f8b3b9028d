import type { JournalEntry } from '../../core/events/event.js';
import type { OutMessage } from './publisher.js';

type QoS = 0 | 1 | 2;

/** Sends one message outside the stream; resolves once the broker has it (QoS ≥ 1), rejects when it was not sent. */
export type StreamSend = (topic: string, payload: string | Buffer, options: { readonly qos: QoS; readonly retain: boolean }) => Promise<void>;

/**
 * More topics on the publisher's connection, kept in a module of their own (vision: Frigate-style
 * events, occupancy counts, snapshots and their Home Assistant entities, adapters/mqtt/vision-stream.ts).
 * The publisher calls these in its own order: attach once, prepare before each batch, messagesOf
 * per entry (those messages are acknowledged with the batch, like the rest of the stream),
 * announce with the discovery configs (when discovery is on), connected at each (re)connect.
 */
export interface StreamExtension {
  attach(send: StreamSend): void;
  /** Awaited before a batch's messages are made (state to load at start); the publisher's stop cuts it short. */
  prepare(entries: readonly JournalEntry[]): Promise<void>;
  /** The messages one entry adds to the stream; `own`: this node wrote it. Must not throw. */
  messagesOf(entry: JournalEntry, own: boolean): OutMessage[];
  /** Sends the extension's discovery configs (again). */
  announce(): void;
  /** At each (re)connect: retained state again (a broker without persistence lost it). */
  connected(): void;
  close(): Promise<void>;
}
