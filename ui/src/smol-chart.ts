import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { exactTime, formatNumber, formatValue } from './format.js';
import type { HistoryPoint } from './types.js';

/** One source drawn on the chart: its buckets, its unit and whether it is 0/1. */
export interface ChartSeries {
  label: string;
  unit: string | null;
  binary: boolean;
  points: HistoryPoint[];
}

const COLORS = ['#2f6fed', '#d9480f', '#2b8a3e', '#ae3ec9'];

/**
 * A uPlot time-series chart: the mean as a line over a min–max band per source, x fixed to
 * [from, to] (the requested range, however little data there is), one y axis per unit (0–100 for
 * %, off/on steps for binary sources), a crosshair with a tooltip, drag to zoom (double-click resets).
 */
export class SmolChart extends LitElement {
  static override properties = { series: { attribute: false }, from: { type: Number }, to: { type: Number }, rangeLabel: {}, tableOpen: { state: true } };
  series: ChartSeries[] = [];
  from = 0;
  to = 0;
  rangeLabel = '';
  /** The data table (the chart's text fallback) is built only while it is open: 24 h is 1,440 rows. */
  tableOpen = false;
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; position: relative; }
      .plot { width: 100%; min-height: 220px; }
      .uplot { width: 100%; font-family: inherit; }
      .tip { position: absolute; pointer-events: none; z-index: 2; background: var(--card, #fff); color: inherit; border: 1px solid var(--line, #c9d0db); border-radius: 6px; padding: 0.25rem 0.45rem; font-size: 13px; white-space: nowrap; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15); }
      .tip[hidden] { display: none; }
      .empty { padding: 1rem; opacity: 0.7; }
      .u-select { background: rgba(47, 111, 237, 0.15); }
      details.data { margin-top: 0.4rem; font-size: 0.9rem; }
      details.data summary { cursor: pointer; min-height: 44px; display: flex; align-items: center; }
      details.data summary:focus-visible { outline: 2px solid #2f6fed; outline-offset: 2px; }
      .table { max-height: 320px; overflow: auto; }
      .table:focus-visible { outline: 2px solid #2f6fed; outline-offset: 2px; }
      table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
      th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--line, #dde2ea); white-space: nowrap; }
      caption { text-align: left; padding: 0.2rem 0; white-space: normal; }
    `,
  ];

  override render() {
    const empty = this.series.every((s) => s.points.length === 0);
    return html`<div class="plot" role="img" aria-label=${this.summary()}></div>
      ${empty ? html`<div class="empty">No data in this range yet.</div>` : ''}
      ${empty
        ? ''
        : html`<details class="data" @toggle=${(e: Event) => (this.tableOpen = (e.target as HTMLDetailsElement).open)}>
            <summary>Data table</summary>
            ${this.tableOpen ? this.dataTable() : ''}
          </details>`}`;
  }

  /** The chart as a table, newest first: time, and mean (min–max) per source. */
  private dataTable() {
    const at = this.series.map((s) => new Map(s.points.map((p) => [p.start, p])));
    const starts = [...new Set(this.series.flatMap((s) => s.points.map((p) => p.start)))].sort((a, b) => b - a);
    const cell = (s: ChartSeries, p: HistoryPoint | undefined) => {
      if (!p) return '—';
      if (s.binary) return p.mean >= 0.5 ? `on${p.mean < 1 ? ` (${Math.round(p.mean * 100)} %)` : ''}` : `off${p.mean > 0 ? ` (${Math.round(p.mean * 100)} % on)` : ''}`;
      return p.min === p.max ? formatValue(p.mean, s.unit) : `${formatValue(p.mean, s.unit)} (${formatNumber(p.min)}–${formatNumber(p.max)})`;
    };
    return html`<div class="table" tabindex="0" role="region" aria-label="Chart data">
      <table>
        <caption>${this.summary()}</caption>
        <thead><tr><th scope="col">Time</th>${this.series.map((s) => html`<th scope="col">${s.label}${s.binary ? '' : ' (mean, min–max)'}</th>`)}</tr></thead>
        <tbody>${starts.map((t) => html`<tr><th scope="row">${exactTime(t)}</th>${this.series.map((s, i) => html`<td>${cell(s, at[i]!.get(t))}</td>`)}</tr>`)}</tbody>
      </table>
    </div>`;
  }

  /** "attic.temperature, last 24 h: min 18.2 °C, max 23.1 °C, now 21.5 °C" for each source. */
  summary(): string {
    return this.series
      .map((s) => {
        if (s.points.length === 0) return `${s.label}, ${this.rangeLabel}: no data`;
        const last = s.points[s.points.length - 1]!;
        if (s.binary) return `${s.label}, ${this.rangeLabel}: on ${Math.round(100 * (s.points.reduce((a, p) => a + p.mean * p.count, 0) / s.points.reduce((a, p) => a + p.count, 0)))} % of the time, now ${last.mean >= 0.5 ? 'on' : 'off'}`;
        const lo = Math.min(...s.points.map((p) => p.min));
        const hi = Math.max(...s.points.map((p) => p.max));
        return `${s.label}, ${this.rangeLabel}: min ${formatValue(lo, s.unit)}, max ${formatValue(hi, s.unit)}, now ${formatValue(last.mean, s.unit)}`;
      })
      .join('; ');
  }

  /** What is drawn, for checks and the text fallback: the x domain (ms) and each axis's tick labels. */
  view(): { from: number; to: number; ticks: string[][]; width: number; bands: number } | undefined {
    const u = this.plot;
    if (!u) return undefined;
    const ticks = u.axes.map((a) => ((a as { _values?: Array<string | null> | null })._values ?? []).filter((v): v is string => typeof v === 'string' && v !== ''));
    return { from: (u.scales.x!.min ?? 0) * 1000, to: (u.scales.x!.max ?? 0) * 1000, ticks, width: u.width, bands: (u as unknown as { bands?: unknown[] }).bands?.length ?? 0 };
  }

  override firstUpdated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    this.resize = new ResizeObserver(() => {
      const w = Math.floor(box.clientWidth);
      if (this.plot && w > 0 && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: this.height(w) });
    });
    this.resize.observe(box);
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('series') || changed.has('from') || changed.has('to')) this.draw();
  }

  override disconnectedCallback(): void {
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    super.disconnectedCallback();
  }

  private height(width: number): number {
    return Math.round(Math.max(200, Math.min(320, width * 0.45)));
  }

  /** Rebuilds the plot: cheap at these sizes, and options (scales, axes) depend on the series. */
  private draw(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!box) return;
    this.plot?.destroy();
    this.plot = undefined;
    if (this.series.every((s) => s.points.length === 0)) return;
    const width = Math.max(200, Math.floor(box.clientWidth || 600));
    this.plot = new uPlot(this.options(width), this.data(), box);
  }

  /** x: every bucket start of every source plus from and to (with no value), so the x domain is the range. */
  private data(): uPlot.AlignedData {
    const xs = new Set<number>([this.from, this.to].filter((v) => v > 0));
    for (const s of this.series) for (const p of s.points) xs.add(p.start);
    const x = [...xs].sort((a, b) => a - b);
    const cols: Array<Array<number | null>> = [];
    for (const s of this.series) {
      const at = new Map(s.points.map((p) => [p.start, p]));
      cols.push(x.map((t) => at.get(t)?.mean ?? null));
      if (!s.binary) {
        cols.push(x.map((t) => at.get(t)?.min ?? null));
        cols.push(x.map((t) => at.get(t)?.max ?? null));
      }
    }
    return [x.map((t) => t / 1000), ...cols] as uPlot.AlignedData;
  }

  private options(width: number): uPlot.Options {
    const ink = getComputedStyle(this).color || '#1c2330';
    const grid = { stroke: 'rgba(128,128,128,0.22)', width: 1 };
    const ticks = { stroke: 'rgba(128,128,128,0.5)', width: 1, size: 5 };
    const font = '12px system-ui, sans-serif';
    const units = [...new Set(this.series.map((s) => (s.binary ? '__binary' : (s.unit ?? ''))))].slice(0, 2);
    const scales: uPlot.Scales = { x: { time: true } };
    const axes: uPlot.Axis[] = [{ stroke: ink, grid, ticks, font, space: 70, values: (_u, splits) => splits.map((v) => tickTime(v * 1000)) }];
    units.forEach((unit, i) => {
      const key = `y${i}`;
      if (unit === '__binary') scales[key] = { range: [-0.05, 1.05] };
      else if (unit === '%') scales[key] = { range: [0, 100] };
      else scales[key] = { range: (_u, lo, hi) => (lo === hi ? [lo - 1, hi + 1] : uPlot.rangeNum(lo, hi, 0.1, true)) };
      axes.push({
        scale: key,
        side: i === 0 ? 3 : 1,
        stroke: ink,
        grid: i === 0 ? grid : { show: false },
        ticks,
        font,
        size: unit === '__binary' ? 40 : 64,
        ...(unit === '__binary' ? { splits: () => [0, 1], values: (_u: uPlot, s: number[]) => s.map((v) => (v >= 0.5 ? 'on' : 'off')) } : { values: (_u: uPlot, s: number[]) => s.map((v) => `${formatNumber(v)}${unit ? ` ${unit}` : ''}`) }),
      });
    });
    const series: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    this.series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length]!;
      const scale = `y${Math.max(0, units.indexOf(s.binary ? '__binary' : (s.unit ?? '')))}`;
      if (s.binary) {
        series.push({ label: s.label, scale, stroke: color, width: 2, fill: `${color}33`, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } });
        return;
      }
      const mean = series.length;
      series.push({ label: s.label, scale, stroke: color, width: 2, points: { show: false } });
      series.push({ label: `${s.label} min`, scale, stroke: `${color}55`, width: 1, points: { show: false } });
      series.push({ label: `${s.label} max`, scale, stroke: `${color}55`, width: 1, points: { show: false } });
      bands.push({ series: [mean + 2, mean + 1], fill: `${color}2e` });
    });
    return {
      width,
      height: this.height(width),
      scales,
      axes,
      series,
      bands,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 7 } },
      plugins: [this.tooltip()],
    };
  }

  /** A small box beside the crosshair: the bucket's time, and mean (min–max) of each source. */
  private tooltip(): uPlot.Plugin {
    let tip: HTMLDivElement;
    return {
      hooks: {
        init: (u) => {
          tip = document.createElement('div');
          tip.className = 'tip';
          tip.hidden = true;
          tip.setAttribute('role', 'status');
          u.over.appendChild(tip);
          u.over.addEventListener('mouseleave', () => (tip.hidden = true));
        },
        setCursor: (u) => {
          const i = u.cursor.idx;
          if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
            tip.hidden = true;
            return;
          }
          const lines: string[] = [];
          let col = 1;
          for (const s of this.series) {
            const mean = u.data[col]?.[i];
            if (s.binary) {
              if (mean !== null && mean !== undefined) lines.push(`${s.label}: ${mean >= 0.5 ? 'on' : 'off'}${mean > 0 && mean < 1 ? ` (${Math.round(mean * 100)} % on)` : ''}`);
              col += 1;
            } else {
              const lo = u.data[col + 1]?.[i];
              const hi = u.data[col + 2]?.[i];
              if (mean !== null && mean !== undefined) lines.push(`${s.label}: ${formatValue(mean, s.unit)}${lo !== hi && lo != null && hi != null ? ` (${formatNumber(lo)}–${formatNumber(hi)})` : ''}`);
              col += 3;
            }
          }
          if (lines.length === 0) {
            tip.hidden = true;
            return;
          }
          tip.replaceChildren(...[exactTime(u.data[0][i]! * 1000), ...lines].map((t, k) => Object.assign(document.createElement('div'), { textContent: t, style: k === 0 ? 'opacity:.7' : '' })));
          tip.hidden = false;
          const left = u.cursor.left;
          const flip = left > u.over.clientWidth / 2;
          tip.style.left = flip ? '' : `${left + 12}px`;
          tip.style.right = flip ? `${u.over.clientWidth - left + 12}px` : '';
          tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
        },
      },
    };
  }
}

/** An x tick: "14:30", or the date ("Dec 2") at midnight, so a 7-day axis reads by day. */
function tickTime(ms: number): string {
  const d = new Date(ms);
  if (d.getHours() === 0 && d.getMinutes() === 0) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
}

customElements.define('smol-chart', SmolChart);
declare global {
  interface HTMLElementTagNameMap {
    'smol-chart': SmolChart;
  }
}
