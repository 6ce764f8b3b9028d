import { LitElement, css, html } from 'lit';
import { api, query } from './api.js';
import { ago, clockTime, sourceLabel, valueParts } from './format.js';
import { JournalStream } from './journal-stream.js';
import { estimateIntervalMs, staleSince } from './staleness.js';
import { NodeFilter } from './hash-params.js';
import { shared } from './styles.js';
import type { HistoryPoint, JournalEntry, LatestReading } from './types.js';
import { hlcMs } from './types.js';
import type { ChartSeries } from './smol-chart.js';
import './smol-chart.js';
import './smol-sparkline.js';

type Range = '1h' | '24h' | '7d';
const RANGE_LABEL: Record<Range, string> = { '1h': 'last 1 h', '24h': 'last 24 h', '7d': 'last 7 d' };
interface History {
  from: number;
  to: number;
  resolution: 'minute' | 'hour';
  points: HistoryPoint[];
}
const keyOf = (r: { origin: string; source: string }) => `${r.origin}\u0000${r.source}`;

/** Live values of every source with a sparkline each, and a chart of one or more sources' history. */
export class SmolReadings extends LitElement {
  static override properties = { filterName: { state: true }, readings: { state: true }, selected: { state: true }, range: { state: true }, chart: { state: true }, sparks: { state: true }, error: { state: true } };
  static override styles = [
    shared,
    css`
      .reading { text-align: left; display: flex; flex-direction: column; gap: 0.15rem; }
      .reading[aria-pressed='true'] { background: var(--card, #fff); color: inherit; border: 2px solid #2f6fed; box-shadow: 0 0 0 1px #2f6fed; }
      .reading.stale .value, .reading.stale smol-sparkline { opacity: 0.4; }
      .stale-note { font-size: 0.8rem; color: #b3261e; }
      .when { font-size: 0.8rem; }
      .chips { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-bottom: 0.5rem; }
    `,
  ];
  readings: LatestReading[] = [];
  /** Keys of the sources on the chart; the first is the one picked from the cards. */
  selected: string[] = [];
  range: Range = '1h';
  chart: { series: ChartSeries[]; from: number; to: number } = { series: [], from: 0, to: 0 };
  /** The last hour of each source: its sparkline and its sampling interval. */
  sparks = new Map<string, History>();
  error = '';
  /** The name of the node the page is filtered to (`#/readings?node=<origin>`, from the fleet view). */
  filterName = '';
  private readonly nodeFilter = new NodeFilter(this, () => {
    this.selected = [];
    this.readings = [];
    void this.load();
  });
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private readonly stream = new JournalStream(this, { types: ['reading.sampled'], onEvents: (e) => this.apply(e) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    // Every 15 s: the chart's history, "3 min ago" and staleness; sparklines every minute.
    this.timer = setInterval(() => {
      this.ticks++;
      this.background(this.loadHistory());
      if (this.ticks % 4 === 0) this.background(this.loadSparks());
      this.requestUpdate();
    }, 15_000);
  }

  override disconnectedCallback(): void {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    try {
      const origin = this.nodeFilter.value;
      this.readings = (await api<{ readings: LatestReading[] }>(`/api/readings/latest${query({ origin })}`)).readings;
      if (origin) this.filterName = (await api<{ nodes: Array<{ origin: string; name: string | null }> }>('/api/nodes')).nodes.find((n) => n.origin === origin)?.name ?? `${origin.slice(0, 12)}…`;
      if (this.selected.length === 0 && this.readings[0]) this.selected = [keyOf(this.readings[0])];
      await Promise.all([this.loadHistory(), this.loadSparks()]);
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  /** A load started by a timer or a click: its failure (the node stopping, 503) is shown, not left as an unhandled rejection. */
  private background(load: Promise<void>): void {
    load.catch((err: unknown) => (this.error = (err as Error).message));
  }

  private history(r: LatestReading, range: Range): Promise<History> {
    return api<History>(`/api/readings/history${query({ origin: r.origin, source: r.source, range })}`);
  }

  private async loadSparks(): Promise<void> {
    const answers = await Promise.all(this.readings.map(async (r) => [keyOf(r), await this.history(r, '1h')] as const));
    this.sparks = new Map(answers);
  }

  private async loadHistory(): Promise<void> {
    const picked = this.selected.map((k) => this.readings.find((r) => keyOf(r) === k)).filter((r): r is LatestReading => r !== undefined);
    if (picked.length === 0) return;
    const range = this.range;
    const answers = await Promise.all(picked.map((r) => this.history(r, range)));
    if (range !== this.range) return;
    this.chart = {
      from: Math.min(...answers.map((a) => a.from)),
      to: Math.max(...answers.map((a) => a.to)),
      series: picked.map((r, i) => ({ label: sourceLabel(r), unit: r.unit, binary: r.binary ?? false, points: answers[i]!.points })),
    };
  }

  /** Live values straight from reading.sampled events; unknown sources are fetched with their units. */
  private apply(entries: JournalEntry[]): void {
    let unknown = false;
    const next = [...this.readings];
    for (const { event } of entries) {
      if (this.nodeFilter.value !== undefined && event.origin !== this.nodeFilter.value) continue;
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
    this.selected = [keyOf(r)];
    this.background(this.loadHistory());
  }

  private compare(key: string, add: boolean): void {
    this.selected = add ? [...new Set([...this.selected, key])].slice(0, 4) : this.selected.filter((k) => k !== key);
    this.background(this.loadHistory());
  }

  private setRange(range: Range): void {
    this.range = range;
    this.background(this.loadHistory());
  }

  private card(r: LatestReading, now: number) {
    const key = keyOf(r);
    const spark = this.sparks.get(key);
    const since = staleSince(r.at, spark ? estimateIntervalMs(spark.points) : undefined, now, this.stream.downSince);
    const [num, unit] = r.binary ? [r.value >= 0.5 ? 'on' : 'off', ''] : valueParts(r.value, r.unit);
    return html`<button class="card reading ${since !== undefined ? 'stale' : ''}" aria-pressed=${this.selected[0] === key ? 'true' : 'false'} data-source=${r.source} data-stale=${since !== undefined ? 'true' : 'false'} @click=${() => this.pick(r)}>
      <span class="label">${sourceLabel(r)} ${r.simulated ? html`<span class="badge sim">simulated</span>` : ''}</span>
      <span class="value" data-testid="value">${num}<small> ${unit}</small></span>
      <smol-sparkline .points=${spark?.points ?? []} ?binary=${r.binary ?? false} .from=${spark?.from ?? 0} .to=${spark?.to ?? 0}></smol-sparkline>
      ${since !== undefined ? html`<span class="stale-note" title=${`last value ${new Date(r.at).toLocaleString()}`}>stale since ${clockTime(since, now)}</span>` : html`<span class="muted when">${ago(r.at, now)}</span>`}
    </button>`;
  }

  override render() {
    const now = Date.now();
    const main = this.readings.find((r) => keyOf(r) === this.selected[0]);
    const others = this.readings.filter((r) => !this.selected.includes(keyOf(r)));
    const onChart = this.selected.map((k) => this.readings.find((r) => keyOf(r) === k)).filter((r): r is LatestReading => r !== undefined);
    return html`
      <h2>Readings <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.stream.downSince !== undefined ? html`<p class="error" data-testid="node-stale">Lost the connection to the node at ${clockTime(this.stream.downSince, now)}: the values below are stale.</p>` : ''}
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.nodeFilter.value ? html`<p class="row" data-testid="node-filter">Only <b>${this.filterName}</b> <a href="#/readings">Show every node</a></p>` : ''}
      ${this.readings.length === 0 ? html`<div class="empty">No readings yet.</div>` : ''}
      <div class="cards">${this.readings.map((r) => this.card(r, now))}</div>
      ${main
        ? html`<div class="card" style="margin-top:1rem">
            <div class="row">
              <h3 style="margin:0;flex:1">${onChart.map(sourceLabel).join(' · ')}</h3>
              ${(['1h', '24h', '7d'] as const).map((r) => html`<button aria-pressed=${this.range === r ? 'true' : 'false'} @click=${() => this.setRange(r)}>${r}</button>`)}
            </div>
            <div class="chips">
              ${onChart.slice(1).map((r) => html`<button class="chip" aria-label=${`Remove ${sourceLabel(r)} from the chart`} @click=${() => this.compare(keyOf(r), false)}>${sourceLabel(r)} ✕</button>`)}
              ${others.length > 0 && onChart.length < 4
                ? html`<label>Compare with
                    <select name="compare" @change=${(e: Event) => {
                      const el = e.target as HTMLSelectElement;
                      if (el.value) this.compare(el.value, true);
                      el.value = '';
                    }}>
                      <option value="">…</option>
                      ${others.map((r) => html`<option value=${keyOf(r)}>${sourceLabel(r)}</option>`)}
                    </select></label>`
                : ''}
            </div>
            <smol-chart .series=${this.chart.series} .from=${this.chart.from} .to=${this.chart.to} rangeLabel=${RANGE_LABEL[this.range]}></smol-chart>
            <div class="muted" style="font-size:0.8rem">Line: mean per ${this.range === '7d' ? 'hour' : 'minute'}; band: min to max. Drag across the chart to zoom in, double-click to zoom out.</div>
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
