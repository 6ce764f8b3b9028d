import { LitElement, html } from 'lit';
import { api, query } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { format } from './smol-overview.js';
import type { HistoryPoint, JournalEntry, LatestReading } from './types.js';
import { hlcMs, timeOf } from './types.js';
import './smol-chart.js';

type Range = '1h' | '24h' | '7d';

/** Live values of every source, and a chart of one source's history with min/max bands. */
export class SmolReadings extends LitElement {
  static override properties = { readings: { state: true }, selected: { state: true }, range: { state: true }, points: { state: true }, error: { state: true } };
  static override styles = shared;
  readings: LatestReading[] = [];
  selected: { origin: string; source: string } | undefined;
  range: Range = '1h';
  points: HistoryPoint[] = [];
  error = '';
  private historyTimer: ReturnType<typeof setInterval> | undefined;
  private readonly stream = new JournalStream(this, { types: ['reading.sampled'], onEvents: (e) => this.apply(e) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.historyTimer = setInterval(() => void this.loadHistory(), 15_000);
  }

  override disconnectedCallback(): void {
    clearInterval(this.historyTimer);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    try {
      this.readings = (await api<{ readings: LatestReading[] }>('/api/readings/latest')).readings;
      if (!this.selected && this.readings[0]) this.selected = { origin: this.readings[0].origin, source: this.readings[0].source };
      await this.loadHistory();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async loadHistory(): Promise<void> {
    const s = this.selected;
    if (!s) return;
    const r = await api<{ points: HistoryPoint[] }>(`/api/readings/history${query({ origin: s.origin, source: s.source, range: this.range })}`);
    this.points = r.points;
  }

  /** Live values straight from reading.sampled events; unknown sources are fetched with their units. */
  private apply(entries: JournalEntry[]): void {
    let unknown = false;
    const next = [...this.readings];
    for (const { event } of entries) {
      const values = (event.data as { values?: Record<string, number> }).values ?? {};
      for (const [source, value] of Object.entries(values)) {
        const i = next.findIndex((r) => r.origin === event.origin && r.source === source);
        if (i < 0) unknown = true;
        else next[i] = { ...next[i]!, value, at: hlcMs(event.hlc) };
      }
    }
    this.readings = next;
    if (unknown) void this.load();
  }

  private pick(r: LatestReading): void {
    this.selected = { origin: r.origin, source: r.source };
    void this.loadHistory();
  }

  private setRange(range: Range): void {
    this.range = range;
    void this.loadHistory();
  }

  override render() {
    const sel = this.selected;
    const current = sel && this.readings.find((r) => r.origin === sel.origin && r.source === sel.source);
    return html`
      <h2>Readings <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.readings.length === 0 ? html`<div class="empty">No readings yet.</div>` : ''}
      <div class="cards">
        ${this.readings.map(
          (r) => html`<button class="card" style="text-align:left" aria-pressed=${sel?.source === r.source && sel.origin === r.origin ? 'true' : 'false'} data-source=${r.source} @click=${() => this.pick(r)}>
            <div class="label">${r.label ?? r.source} ${r.simulated ? html`<span class="badge sim">simulated</span>` : ''}</div>
            <div class="value" data-testid="value">${format(r.value)}<small> ${r.unit ?? ''}</small></div>
            <div class="muted" style="font-size:0.75rem">${timeOf(r.at)}</div>
          </button>`,
        )}
      </div>
      ${current
        ? html`<div class="card" style="margin-top:1rem">
            <div class="row">
              <h3 style="margin:0;flex:1">${current.label ?? current.source}</h3>
              ${(['1h', '24h', '7d'] as const).map((r) => html`<button aria-pressed=${this.range === r ? 'true' : 'false'} @click=${() => this.setRange(r)}>${r}</button>`)}
            </div>
            <smol-chart .points=${this.points} unit=${current.unit ?? ''}></smol-chart>
            <div class="muted" style="font-size:0.8rem">Line: mean per ${this.range === '7d' ? 'hour' : 'minute'}; band: min to max.</div>
          </div>`
        : ''}
    `;
  }
}

customElements.define('smol-readings', SmolReadings);
declare global {
  interface HTMLElementTagNameMap {
    'smol-readings': SmolReadings;
  }
}
