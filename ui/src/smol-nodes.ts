import { LitElement, css, html } from 'lit';
import { api, ApiError } from './api.js';
import { JournalStream } from './journal-stream.js';
import { ReloadSoon } from './reload-soon.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import { ago } from './format.js';
import { timeOf, type NodeInfo, type PeerSyncInfo, type SyncStatus } from './types.js';

/** Events a peer lacked at the last sync: per origin we know, how far its vector was behind our head. */
function lagOf(nodes: readonly NodeInfo[], peer: PeerSyncInfo): number {
  return nodes.reduce((sum, n) => sum + Math.max(0, n.headSeq - (peer.vector[n.origin] ?? 0)), 0);
}

/** A clock offset for people: "+1.2 s" (the peer's clock is ahead), "−350 ms". */
function skew(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '±';
  const abs = Math.abs(ms);
  return abs >= 1000 ? `${sign}${(abs / 1000).toFixed(1)} s` : `${sign}${Math.round(abs)} ms`;
}

const when = (ms: number | null | undefined) => (ms ? timeOf(ms) : '—');

/**
 * Every known node and how this node syncs with it: heads, what we hold (the version vector),
 * last sync, lag and clock skew per peer, and the background sync loop's state.
 */
export class SmolNodes extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { nodes: { state: true }, vector: { state: true }, sync: { state: true }, error: { state: true } };
  static override styles = [
    shared,
    css`
      th, td.n { white-space: nowrap; overflow-wrap: normal; }
    `,
  ];
  nodes: NodeInfo[] = [];
  vector: Record<string, number> = {};
  /** null: this node does not sync (no /sync routes). */
  sync: SyncStatus | null | undefined;
  error = '';
  private readonly reload = new ReloadSoon(this, () => void this.load(), 2000);
  private readonly stream = new JournalStream(this, {
    onEvents: () => this.reload.request(),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [r, sync] = await Promise.all([
        api<{ nodes: NodeInfo[]; vector: Record<string, number> }>('/api/nodes'),
        api<SyncStatus>('/sync/status').catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }),
      ]);
      this.nodes = r.nodes;
      this.vector = r.vector;
      this.sync = sync;
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private nameOf(origin: string): string {
    return this.nodes.find((n) => n.origin === origin)?.name ?? origin.slice(0, 12);
  }

  private renderNodes() {
    const self = this.nodes.find((n) => n.self);
    if (this.nodes.length === 0) return html`<div class="empty">No nodes known yet.</div>`;
    return html`<div class="scroll"><table data-testid="nodes">
      <thead><tr><th>Name</th><th>Role</th><th>Status</th><th>Head</th><th>Held</th><th>Sealed</th><th>Last seen</th><th>Last sync</th><th>Lag</th><th>Clock skew</th><th>Clock jumps</th><th>Id</th></tr></thead>
      <tbody>
        ${this.nodes.map((n) => {
          const peer = self?.syncPeers[n.origin];
          return html`<tr data-origin=${n.origin}>
            <td>${n.name ?? '?'} ${n.self ? html`<span class="badge live">this node</span>` : ''}</td>
            <td class="n">${n.role ?? '?'}</td>
            <td class="n">${n.status}</td>
            <td class="n">${n.headSeq}</td>
            <td class="n">${n.heldSeq}</td>
            <td class="n">${n.sealedSeq ?? '—'}</td>
            <td title=${n.lastSeenBy === 'received' ? `received then; its own clock says ${when(n.claimedLastSeen)}` : ''}>${ago(n.lastSeen)}</td>
            <td>${n.self ? '' : ago(peer?.lastSyncAt)}${peer?.lastError ? html` <span class="error" title=${peer.lastError.message}>${peer.lastError.code}</span>` : ''}${this.renderConflicts(peer)}</td>
            <td class="n">${n.self ? '' : peer ? lagOf(this.nodes, peer) : '—'}</td>
            <td class="n">${n.self ? '' : skew(peer?.clockOffsetMs)}${n.clockSkew?.active
              ? html` <span class="error" data-testid="clock-ahead" title=${`reported ${when(n.clockSkew.at)} by ${this.nameOf(n.clockSkew.reportedBy)}: its events are stamped ahead of that clock (stored, not followed)`}>clock ahead ${skew(n.clockSkew.aheadMs)}</span>`
              : ''}</td>
            <td>${n.clockJumps}${n.lastJump ? html` <span class="muted">(${n.lastJump.kind}, ${when(n.lastJump.at)})</span>` : ''}</td>
            <td class="muted" title=${n.origin}>${n.origin.slice(0, 12)}…</td>
          </tr>`;
        })}
      </tbody>
    </table></div>`;
  }

  /** A trusted peer that delivered events differing from ours: forged (or forked) data. */
  private renderConflicts(peer: PeerSyncInfo | undefined) {
    if (!peer?.conflicts) return '';
    const last = peer.lastConflict;
    const title = last ? `last: ${last.eventId} via ${last.via}, ${when(last.at)}; ours ${last.ours.slice(0, 12)}…, theirs ${last.theirs.slice(0, 12)}…` : '';
    return html` <span class="error" data-testid="conflicts" title=${title}>delivered ${peer.conflicts} forged event${peer.conflicts === 1 ? '' : 's'} (SMOL_SEGMENT_CONFLICT)</span>`;
  }

  private renderPeers() {
    if (this.sync === undefined) return html`<div class="empty">Loading…</div>`;
    if (this.sync === null) return html`<div class="empty">This node does not sync over HTTP.</div>`;
    const s = this.sync;
    return html`
      <p class="muted">Cluster <b>${s.cluster}</b> · ${s.trusted.length} trusted node${s.trusted.length === 1 ? '' : 's'}${s.pending ? html` · ${s.pending} segment files waiting for a gap to fill` : ''}</p>
      ${s.peers.length === 0
        ? html`<div class="empty">No HTTP peers configured (sync.peers); USB exchanges show in the table above.</div>`
        : html`<div class="scroll"><table data-testid="sync-peers">
            <thead><tr><th>Peer</th><th>State</th><th>Last sync</th><th>Lag</th><th>Clock skew</th><th>Last round</th><th>Failures</th><th>Next</th></tr></thead>
            <tbody>
              ${s.peers.map(
                (p) => html`<tr data-peer=${p.name}>
                  <td>${p.name} <span class="muted">${p.url}</span></td>
                  <td>${p.lastError && p.failures > 0 ? html`<span class="error" title=${p.lastError.message}>${p.lastError.code}</span>` : p.lastOkAt ? 'ok' : 'not yet'}</td>
                  <td>${ago(p.lastOkAt)}</td>
                  <td>${p.lag ?? '—'}</td>
                  <td>${skew(p.lastResult?.clockOffsetMs)}</td>
                  <td>${p.lastResult ? `${p.lastResult.sent} sent, ${p.lastResult.received} received` : '—'}</td>
                  <td>${p.failures}</td>
                  <td>${ago(p.nextAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    `;
  }

  override render() {
    return html`
      <h2>Nodes and sync <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.renderNodes()}
      <h3 style="margin-top:1rem">Sync peers</h3>
      ${this.renderPeers()}
      <h3 style="margin-top:1rem">Version vector</h3>
      <div class="scroll"><table data-testid="vector">
        <thead><tr><th>Origin</th><th>Events held</th></tr></thead>
        <tbody>
          ${Object.entries(this.vector).map(([origin, seq]) => html`<tr><td>${this.nameOf(origin)} <span class="muted">${origin}</span></td><td>${seq}</td></tr>`)}
        </tbody>
      </table></div>
    `;
  }
}

customElements.define('smol-nodes', SmolNodes);
declare global {
  interface HTMLElementTagNameMap {
    'smol-nodes': SmolNodes;
  }
}
