import { LitElement, css, html, svg } from 'lit';
import type { HistoryPoint } from './types.js';

const W = 120;
const H = 28;

/** A small line of the last hour's means on a reading card (SVG; steps for a 0/1 source). */
export class SmolSparkline extends LitElement {
  static override properties = { points: { attribute: false }, binary: { type: Boolean }, from: { type: Number }, to: { type: Number } };
  points: HistoryPoint[] = [];
  binary = false;
  from = 0;
  to = 0;

  static override styles = css`
    :host { display: block; height: ${H}px; }
    svg { width: 100%; height: 100%; display: block; overflow: visible; }
    path { fill: none; stroke: #2f6fed; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
  `;

  override render() {
    const pts = this.points;
    if (pts.length < 2) return html``;
    const t0 = this.from || pts[0]!.start;
    const t1 = Math.max(this.to || pts[pts.length - 1]!.start, t0 + 1);
    let lo = this.binary ? 0 : Math.min(...pts.map((p) => p.mean));
    let hi = this.binary ? 1 : Math.max(...pts.map((p) => p.mean));
    if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
    const x = (t: number) => (((t - t0) / (t1 - t0)) * W).toFixed(1);
    const y = (v: number) => (H - 2 - ((v - lo) / (hi - lo)) * (H - 4)).toFixed(1);
    const d = pts
      .map((p, i) => {
        const v = this.binary ? Math.round(p.mean) : p.mean;
        const prev = pts[i - 1];
        if (i === 0) return `M${x(p.start)},${y(v)}`;
        return this.binary ? `H${x(p.start)}V${y(v)}` : `${p.start - prev!.start > 5 * 60_000 ? 'M' : 'L'}${x(p.start)},${y(v)}`;
      })
      .join('');
    return html`<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" aria-hidden="true">${svg`<path d=${d}></path>`}</svg>`;
  }
}

customElements.define('smol-sparkline', SmolSparkline);
declare global {
  interface HTMLElementTagNameMap {
    'smol-sparkline': SmolSparkline;
  }
}
