import { LitElement, html } from 'lit';
import { api } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import type { Health, LatestReading, NodeInfo, Stats } from './types.js';

/** Node, role, peers, counts and health, refreshed as events arrive. */
export class SmolOverview extends LitElement {
  static override properties = { health: { state: true }, stats: { state: true }, nodes: { state: true }, readings: { state: true }, error: { state: true } };
  static override styles = shared;
  health: Health | undefined;
  stats: Stats | undefined;
  nodes: NodeInfo[] = [];
  readings: LatestReading[] = [];
  error = '';
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly stream = new JournalStream(this, { onEvents: () => this.refreshSoon() });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  override disconnectedCallback(): void {
    clearTimeout(this.pending);
    super.disconnectedCallback();
  }

  private refreshSoon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      void this.refresh();
    }, 1000);
  }

  private async refresh(): Promise<void> {
    try {
      [this.health, this.stats, this.nodes, this.readings] = await Promise.all([
        api<Health>('/api/health'),
        api<Stats>('/api/stats'),
        api<{ nodes: NodeInfo[] }>('/api/nodes').then((r) => r.nodes),
        api<{ readings: LatestReading[] }>('/api/readings/latest').then((r) => r.readings),
      ]);
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    const h = this.health;
    const s = this.stats;
    const lag = h ? Math.max(...Object.values(h.projections).map((p) => p.lag), 0) : 0;
    return html`
      <h2>Overview <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <div class="cards">
        <div class="card"><div class="label">Node</div><div class="value">${h?.node.name ?? '…'}</div><div class="muted">${h?.node.role ?? ''}</div></div>
        <div class="card"><div class="label">Health</div><div class="value">${h?.status ?? '…'}</div><div class="muted">projection lag ${lag}</div></div>
        <div class="card"><div class="label">Events</div><div class="value" data-testid="event-count">${s?.lastPosition ?? '…'}</div></div>
        <div class="card"><div class="label">Readings</div><div class="value">${s?.readings ?? '…'}</div><div class="muted">${s?.sources ?? 0} sources</div></div>
        <div class="card"><div class="label">Nodes</div><div class="value">${this.nodes.length}</div><div class="muted">${Math.max(0, this.nodes.length - 1)} peers</div></div>
        ${h?.memory
          ? html`<div class="card" data-testid="memory-level"><div class="label">Memory</div><div class="value ${h.memory.level === 'high' || h.memory.level === 'critical' ? 'error' : ''}">${h.memory.level}</div><div class="muted">RSS ${h.memory.rssMb ?? '?'} of ${h.memory.budgetMb ?? '?'} MB${h.memory.budgetHeld ? '' : ' (heap uncapped)'}${h.memory.availableMb !== null ? ` · ${h.memory.availableMb} MB free` : ''}</div></div>`
          : ''}
        <div class="card"><div class="label">Uptime</div><div class="value">${s ? formatDuration(s.uptimeS) : '…'}</div></div>
      </div>
      <h3 style="margin-top:1rem">Latest readings</h3>
      ${this.readings.length === 0
        ? html`<div class="empty">No readings yet.</div>`
        : html`<div class="cards">
            ${this.readings.slice(0, 12).map(
              (r) => html`<div class="card"><div class="label">${r.label ?? r.source}</div><div class="value">${format(r.value)}<small> ${r.unit ?? ''}</small></div></div>`,
            )}
          </div>`}
    `;
  }
}

/** A number for people: at most 3 decimals. */
export function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3).replace(/0+$/, '');
}

function formatDuration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

customElements.define('smol-overview', SmolOverview);
declare global {
  interface HTMLElementTagNameMap {
    'smol-overview': SmolOverview;
  }
}
