import type { JournalEntry } from '../../core/events/event.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import type { BusyBudget } from './busy-budget.js';

/** A WebSocket client at the live edge, as the fan-out sees it. */
export interface LiveMember {
  /** The last journal position this client has been sent (scanned, filtered ones included). */
  position: number;
  /**
   * Sends one frame (the member's position then counts it as sent). Returns false when the member
   * must leave (its socket is backed up or gone); the fan-out then lets go of it and calls `onLeft`.
   */
  send(frame: Buffer | string): boolean;
  /** Called when the fan-out let go of the member (not after an explicit leave()). */
  onLeft(): void;
}

export interface LiveFilter {
  readonly types?: readonly string[] | undefined;
  readonly origins?: readonly string[] | undefined;
}

export interface LiveFanoutOptions {
  /** Least time between two frames of a group (ms, default 5): appends in between share a frame. */
  readonly frameMs?: number;
  /** The share of this thread the WebSocket work may use (shared with per-client catch-up). */
  readonly budget: BusyBudget;
  /** Most positions read per frame (default 4,096). */
  readonly batchSize?: number;
  /** Serializes one entry (the same functions per-client catch-up uses, so both look alike). */
  readonly entryJson: (entry: JournalEntry) => string;
  /** Wraps serialized entries into a frame. */
  readonly frame: (entries: readonly string[], to: number) => string;
}

/** Entries serialized between two yields to the event loop. */
const CHUNK = 128;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Group {
  readonly key: string;
  readonly members: Set<LiveMember>;
  /** Position of the last frame read (the next starts at lastTo + 1). */
  lastTo: number;
  sub: Subscription;
}

/**
 * Live fan-out: every client at the live edge with the same filter shares one journal
 * subscription, and each frame is serialized once and handed to every socket as the same bytes.
 * So what the node does per appended event does not grow with the number of clients — only one
 * `send` per client per frame does, and frames are at least `frameMs` apart. Clients that are
 * catching up (or backed up) read the journal on their own and join once they reach the group.
 */
export class LiveFanout {
  private readonly groups = new Map<string, Group>();
  private readonly memberGroup = new Map<LiveMember, Group>();
  private closed = false;

  constructor(
    private readonly journal: Journal,
    private readonly options: LiveFanoutOptions,
  ) {}

  /**
   * Adds a client whose `position` is at the live edge. It joins when it has everything the group
   * has read (position ≥ the group's last frame); otherwise it returns false and the client goes on
   * catching up by itself.
   */
  tryJoin(filter: LiveFilter, member: LiveMember): boolean {
    if (this.closed) return false;
    const key = filterKey(filter);
    let group = this.groups.get(key);
    if (!group) {
      group = this.open(key, filter, member.position);
    } else if (member.position < group.lastTo) {
      return false;
    }
    group.members.add(member);
    this.memberGroup.set(member, group);
    return true;
  }

  /** Removes a client (no `onLeft`). */
  leave(member: LiveMember): void {
    const group = this.memberGroup.get(member);
    if (!group) return;
    this.memberGroup.delete(member);
    group.members.delete(member);
    if (group.members.size === 0) this.drop(group);
  }

  /** Number of live groups (one journal subscription each). */
  get groupCount(): number {
    return this.groups.size;
  }

  close(): void {
    this.closed = true;
    for (const group of [...this.groups.values()]) {
      for (const m of group.members) this.memberGroup.delete(m);
      group.members.clear();
      this.drop(group);
    }
  }

  private open(key: string, filter: LiveFilter, from: number): Group {
    const frameMs = this.options.frameMs ?? 5;
    const budget = this.options.budget;
    const { entryJson, frame } = this.options;
    const group: Group = { key, members: new Set(), lastTo: from, sub: undefined as unknown as Subscription };
    group.sub = this.journal.subscribe(
      {
        fromPosition: from + 1,
        batchSize: this.options.batchSize ?? 4096,
        emptyBatches: true,
        ...(filter.types?.length ? { types: [...filter.types] } : {}),
        ...(filter.origins?.length ? { origins: [...filter.origins] } : {}),
      },
      async (entries, to) => {
        if (this.groups.get(key) !== group) return group.sub.close();
        const from = group.lastTo + 1;
        group.lastTo = to;
        // The journal's writer shares this thread: serialize in chunks, yield to I/O first and in
        // between (a commit that completes meanwhile starts the next write at once), and keep within
        // the budget — in a write storm (a USB import, a burst) dashboards fall behind and catch up
        // afterwards instead of slowing the journal.
        const json = new Map<JournalEntry, string>();
        for (let i = 0; i < entries.length; i += CHUNK) {
          await yieldToIo();
          await budget.run(() => {
            for (const e of entries.slice(i, i + CHUNK)) json.set(e, entryJson(e));
          });
        }
        if (this.groups.get(key) !== group) return group.sub.close();
        let shared: Buffer | undefined;
        const frameOf = (mine: readonly JournalEntry[]) => frame(mine.map((e) => json.get(e)!), to);
        await budget.run(() => {
          for (const m of group.members) {
            if (m.position >= to) continue;
            // Members that were at from - 1 get the same bytes; one that read ahead by itself
            // before joining gets only what it has not seen.
            const mine = m.position < from ? entries : entries.filter((e) => e.position > m.position);
            const keep = mine.length === 0 || m.send(mine === entries ? (shared ??= Buffer.from(frameOf(entries))) : frameOf(mine));
            m.position = to;
            if (!keep) {
              this.leave(m);
              m.onLeft();
            }
          }
        });
        // Coalesce: whatever is appended meanwhile goes out in the next frame.
        if (entries.length > 0 && frameMs > 0) await new Promise((r) => setTimeout(r, frameMs));
      },
    );
    group.sub.done.catch(() => undefined);
    this.groups.set(key, group);
    return group;
  }

  private drop(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    group.sub.close();
  }
}

/** The same filter however its lists are ordered. */
function filterKey(filter: LiveFilter): string {
  return JSON.stringify([[...(filter.types ?? [])].sort(), [...(filter.origins ?? [])].sort()]);
}
