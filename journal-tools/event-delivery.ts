import { hlcWall } from '../core/clock/hlc.js';
import type { JournalEntry } from '../core/events/event.js';
import type { Journal } from '../core/journal/journal.js';
import type {} from '../core/events/sync-events.js'; // brings sync.completed into EventDataMap

/**
 * How an event came into this journal: written here, or brought by a peer (over HTTP sync or a
 * USB stick). The journal keeps no per-event sender, so a peer's delivery is read from this node's
 * own `sync.completed`: the first one after the event's position, with events received, whose
 * peer holds the event after the exchange. 'unknown' when none is found (the round is still
 * running, or its record is past the scanned window).
 */
export type EventDelivery =
  | { readonly by: 'local' }
  | { readonly by: 'peer'; readonly peer: string; readonly peerName: string | null; readonly via: 'http' | 'usb'; readonly syncPosition: number; readonly at: string }
  | { readonly by: 'unknown' };

/** How many positions after the event are scanned for the sync round that brought it. */
const SCAN_POSITIONS = 50_000;
/** How many of this node's sync.completed after the event are looked at. */
const SCAN_ROUNDS = 20;

/** Who delivered `entry` into `journal` (see EventDelivery). Throws what journal.read throws. */
export async function eventDelivery(journal: Journal, entry: JournalEntry): Promise<EventDelivery> {
  const { origin, seq } = entry.event;
  if (origin === journal.nodeId) return { by: 'local' };
  const last = journal.lastPosition();
  if (entry.position >= last) return { by: 'unknown' };
  for await (const e of journal.read({ fromPosition: entry.position + 1, toPosition: Math.min(last, entry.position + SCAN_POSITIONS), types: ['sync.completed'], origins: [journal.nodeId], limit: SCAN_ROUNDS })) {
    if (e.event.type !== 'sync.completed') continue;
    const d = e.event.data as { peer: string; peerName: string | null; via: 'http' | 'usb'; received: number; peerVector: Record<string, number> };
    if (d.received > 0 && (d.peerVector[origin] ?? 0) >= seq) {
      return { by: 'peer', peer: d.peer, peerName: d.peerName, via: d.via, syncPosition: e.position, at: new Date(hlcWall(e.event.hlc)).toISOString() };
    }
  }
  return { by: 'unknown' };
}
