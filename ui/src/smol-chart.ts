import { LitElement, css, html, svg } from 'lit';
import type { HistoryPoint } from './types.js';

const W = 600;
const H = 200;
const PAD = 28;

/** A line of means over a shaded min/max band, as SVG (numbers only, no markup from data). */
export class SmolChart extends LitElement {
  static override properties = { points: { attribute: false }, unit: {} };
  points: HistoryPoint[] = [];
  unit = '';

  static override styles = css`
    :host { display: block; }
    svg { width: 100%; height: auto; display: block; }
    .band { fill: #2f6fed; opacity: 0.18; }
    .line { fill: none; stroke: #2f6fed; stroke-width: 2; }
    .axis { stroke: currentColor; opacity: 0.25; }
    text { fill: currentColor; font-size: 11px; opacity: 0.7; }
  `;

  override render() {
    const pts = this.points;
    if (pts.length === 0) return html`<div class="muted">No data in this range yet.</div>`;
    const t0 = pts[0]!.start;
    const t1 = pts[pts.length - 1]!.start;
    let lo = Math.min(...pts.map((p) => p.min));
    let hi = Math.max(...pts.map((p) => p.max));
    if (hi === lo) {
      hi += 1;
      lo -= 1;
    }
    const x = (t: number) => PAD + (t1 === t0 ? (W - 2 * PAD) / 2 : ((t - t0) / (t1 - t0)) * (W - 2 * PAD));
    const y = (v: number) => H - PAD + ((lo - v) / (hi - lo)) * (H - 2 * PAD);
    const upper = pts.map((p) => `${x(p.start).toFixed(1)},${y(p.max).toFixed(1)}`);
    const lower = pts.map((p) => `${x(p.start).toFixed(1)},${y(p.min).toFixed(1)}`).reverse();
    const line = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.start).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ');
    const fmt = (v: number) => (Math.abs(hi - lo) < 10 ? v.toFixed(2) : v.toFixed(0));
    const time = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
    return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="history chart">
      ${svg`
        <line class="axis" x1=${PAD} y1=${H - PAD} x2=${W - PAD} y2=${H - PAD}></line>
        <polygon class="band" points=${[...upper, ...lower].join(' ')}></polygon>
        <path class="line" d=${line}></path>
        <text x="2" y=${PAD - 6}>${fmt(hi)} ${this.unit}</text>
        <text x="2" y=${H - 6}>${fmt(lo)} ${this.unit}</text>
        <text x=${PAD} y=${H - PAD + 14}>${time(t0)}</text>
        <text x=${W - PAD} y=${H - PAD + 14} text-anchor="end">${time(t1)}</text>
      `}
    </svg>`;
  }
}

customElements.define('smol-chart', SmolChart);
declare global {
  interface HTMLElementTagNameMap {
    'smol-chart': SmolChart;
  }
}
