import { LitElement, css, html } from 'lit';
import { api } from './api.js';
import { JournalStream } from './journal-stream.js';
import { ReloadSoon } from './reload-soon.js';
import { ago, clockTime, formatBytes, formatDuration, formatNumber, sourceLabel, valueParts } from './format.js';
import { shared } from './styles.js';
import type { Health, LatestReading, NodeInfo, Stats } from './types.js';
import type { UnitReport } from '../../core/runtime/units.js';
import type { OverviewAnswer } from '../../adapters/http/routes/api-overview.js';
import type { SmolDetections } from './smol-detections.js';
import './smol-alerts.js';
import './smol-unit-health.js';
import './smol-story.js';
import './smol-detections.js';

/** /api/health with the units it lists (the hand-kept Health type predates them). */
type HealthWithUnits = Health & { units?: UnitReport[] };

/**
 * The overview has no per-source interval: a value older than this is stale here (the readings
 * page judges each source by its own interval).
 */
const STALE_MS = 10 * 60_000;

/**
 * The story of the node at a glance, refreshed as events arrive: alerts, the health of every unit,
 * memory, counts, what it observed and remembers lately, recent detections and its latest readings.
 */
export class SmolOverview extends LitElement {
  static override properties = { health: { state: true }, stats: { state: true }, nodes: { state: true }, readings: { state: true }, overview: { state: true }, error: { state: true } };
  static override styles = [shared, css`
    .card.stale .value { opacity: 0.4; }
    .stale-note { color: #b3261e; }
    .when { font-size: 0.8rem; }
    section { margin-top: 1rem; }
    a.card { color: inherit; text-decoration: none; }
    a.card:hover { border-color: #2f6fed; }
  `];
  health: HealthWithUnits | undefined;
  overview: OverviewAnswer | undefined;
  stats: Stats | undefined;
  nodes: NodeInfo[] = [];
  readings: LatestReading[] = [];
  error = '';
  private readonly reload = new ReloadSoon(this, () => void this.refresh(), 1000);
  private readonly stream = new JournalStream(this, {
    onEvents: (entries) => {
      this.reload.request();
      if (entries.some((e) => e.event.type.startsWith('vision.'))) void this.renderRoot.querySelector<SmolDetections>('smol-detections')?.load();
    },
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      [this.health, this.stats, this.nodes, this.readings, this.overview] = await Promise.all([
        api<HealthWithUnits>('/api/health'),
        api<Stats>('/api/stats'),
        api<{ nodes: NodeInfo[] }>('/api/nodes').then((r) => r.nodes),
        api<{ readings: LatestReading[] }>('/api/readings/latest').then((r) => r.readings),
        api<OverviewAnswer>('/api/overview?limit=5'),
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
    const names = new Map(this.nodes.filter((n) => n.name).map((n) => [n.origin, n.name!]));
    return html`
      <h2>Overview <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <smol-alerts .alerts=${this.overview?.alerts}></smol-alerts>
      <div class="cards" style="margin-top:0.75rem">
        <div class="card"><div class="label">Node</div><div class="value">${h?.node.name ?? '…'}</div><div class="muted">${h ? (h.node.role === 'llama' ? 'hub (llama)' : 'edge (alpaca)') : ''}</div></div>
        <div class="card"><div class="label">Health</div><div class="value">${h?.status ?? '…'}</div><div class="muted">projection lag ${lag}</div></div>
        <div class="card"><div class="label">Events</div><div class="value" data-testid="event-count">${s?.lastPosition ?? '…'}</div></div>
        <div class="card"><div class="label">Readings</div><div class="value">${s?.readings ?? '…'}</div><div class="muted">${s?.sources ?? 0} sources</div></div>
        ${h?.node.role === 'llama'
          ? html`<a class="card" href="#/fleet" data-testid="fleet-card"><div class="label">Nodes</div><div class="value">${this.nodes.length}</div><div class="muted">the fleet →</div></a>`
          : html`<div class="card"><div class="label">Nodes</div><div class="value">${this.nodes.length}</div><div class="muted">${Math.max(0, this.nodes.length - 1)} peers</div></div>`}
        ${h?.memory
          ? html`<div class="card" data-testid="memory-level"><div class="label">Memory</div><div class="value ${h.memory.level === 'high' || h.memory.level === 'critical' ? 'error' : ''}">${h.memory.level}</div><div class="muted">${mb(h.memory.rssMb)} of ${mb(h.memory.budgetMb)} used${h.memory.budgetHeld ? '' : ' (heap uncapped)'}${h.memory.availableMb !== null ? ` · ${mb(h.memory.availableMb)} free` : ''}</div></div>`
          : ''}
        <div class="card" data-testid="node-uptime"><div class="label">Smollama uptime</div><div class="value">${s ? formatDuration(s.uptimeS) : '…'}</div><div class="muted">since the node's program started</div></div>
      </div>
      <section aria-labelledby="units-h">
        <h3 id="units-h">Units</h3>
        <smol-unit-health .units=${h?.units ?? []}></smol-unit-health>
      </section>
      <section>
        <smol-story .observations=${this.overview?.observations ?? []} .memories=${this.overview?.memories ?? []} .names=${names} .self=${h?.node.id ?? ''}></smol-story>
      </section>
      <smol-detections .names=${names} .self=${h?.node.id ?? ''}></smol-detections>
      <h3 style="margin-top:1rem">Latest readings</h3>
      ${this.readings.length === 0
        ? html`<div class="empty">No readings yet.</div>`
        : html`<div class="cards">
            ${this.readings.filter((r) => !h || r.origin === h.node.id).slice(0, 12).map(
              (r) => {
                const [num, unit] = r.binary ? [r.value >= 0.5 ? 'on' : 'off', ''] : valueParts(r.value, r.unit);
                const stale = this.stream.downSince ?? (Date.now() - r.at > STALE_MS ? r.at : undefined);
                return html`<div class="card ${stale !== undefined ? 'stale' : ''}" data-source=${r.source} data-stale=${stale !== undefined ? 'true' : 'false'}><div class="label">${sourceLabel(r)}</div><div class="value">${num}<small> ${unit}</small></div><div class="muted when">${stale !== undefined ? html`<span class="stale-note">stale since ${clockTime(stale)}</span>` : ago(r.at)}</div></div>`;
              },
            )}
          </div>`}
    `;
  }
}

/** The memory unit's figures in its own unit (MB as memory.budgetMb is configured), grouped by Intl. */
function mb(v: number | null): string {
  return v === null ? '?' : v >= 10_000 ? formatBytes(v * 1024 * 1024) : `${formatNumber(v)} MB`;
}

customElements.define('smol-overview', SmolOverview);
declare global {
  interface HTMLElementTagNameMap {
    'smol-overview': SmolOverview;
  }
}
