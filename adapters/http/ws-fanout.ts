import type { JournalEntry } from '../../core/events/event.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';

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
  /**
   * How long to wait after reading a window before reading the next (ms), told whether a frame
   * was sent: appends in between share the next frame. Asked every time, so it can grow while
   * the journal is written in a storm.
   */
  readonly pause: (sent: boolean) => number;
  /** Most positions read per frame (default 512). */
  readonly batchSize?: number;
  /** Serializes one entry (the same functions per-client catch-up uses, so both look alike). */
  readonly entryJson: (entry: JournalEntry) => string;
  /** Wraps serialized entries into a frame. */
  readonly frame: (entries: readonly string[], to: number) => string;
}

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
 * `send` per client per frame does, and frames are `pause()` apart. Clients that are catching up
 * (or backed up) read the journal on their own and join once they reach the group.
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

  /** Number of clients in the live groups. */
  get memberCount(): number {
    return this.memberGroup.size;
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
    const { entryJson, frame, pause } = this.options;
    const group: Group = { key, members: new Set(), lastTo: from, sub: undefined as unknown as Subscription };
    group.sub = this.journal.subscribe(
      {
        fromPosition: from + 1,
        batchSize: this.options.batchSize ?? 512,
        emptyBatches: true,
        ...(filter.types?.length ? { types: [...filter.types] } : {}),
        ...(filter.origins?.length ? { origins: [...filter.origins] } : {}),
      },
      async (entries, to) => {
        if (this.groups.get(key) !== group) return group.sub.close();
        const from = group.lastTo + 1;
        group.lastTo = to;
        let shared: Buffer | undefined;
        const frameOf = (mine: readonly JournalEntry[]) => frame(mine.map(entryJson), to);
        for (const m of group.members) {
          if (m.position >= to) continue;
          // Members that were at from - 1 get the same bytes; one that read ahead by itself before
          // joining gets only what it has not seen.
          const mine = m.position < from ? entries : entries.filter((e) => e.position > m.position);
          const keep = mine.length === 0 || m.send(mine === entries ? (shared ??= Buffer.from(frameOf(entries))) : frameOf(mine));
          m.position = to;
          if (!keep) {
            this.leave(m);
            m.onLeft();
          }
        }
        const ms = pause(entries.length > 0);
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
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
