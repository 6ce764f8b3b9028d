import { LitElement, css, html, svg } from 'lit';
import type { VisionCameraEntry } from '../../adapters/http/routes/api-vision.js';
import type { LookResult } from '../../core/vision/vision-service.js';
import { ApiError, api } from './api.js';
import { ago, clockTime, formatAgo } from './format.js';
import { shared } from './styles.js';
import type { OpenObject } from './vision-occupancy.js';

interface Drawn {
  readonly label: string;
  readonly score: number;
  readonly box: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

const pct = (v: number) => `${Math.round(v * 100)} %`;

/**
 * One camera: its latest snapshot with the boxes of the objects it tracks now drawn over it (SVG,
 * boxes normalised 0..1 so they follow the image's size), its state, live counts by label, and
 * "Look now" for an admin, whose answer (detections, scene labels, its snapshot) replaces the
 * picture until dismissed.
 */
export class SmolCameraCard extends LitElement {
  static override properties = {
    camera: { attribute: false },
    open: { attribute: false },
    counts: { attribute: false },
    canWrite: { type: Boolean },
    look: { state: true },
    looking: { state: true },
    lookError: { state: true },
    missing: { state: true },
  };
  static override styles = [
    shared,
    css`
      :host { min-width: 0; }
      .card { display: flex; flex-direction: column; gap: 0.5rem; height: 100%; box-sizing: border-box; }
      h3 { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0; }
      figure { position: relative; margin: 0; background: #10141a; border-radius: 8px; overflow: hidden; }
      figure img { display: block; width: 100%; height: auto; }
      figure svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; }
      rect { fill: none; stroke: #ffd400; stroke-width: 2.5; vector-effect: non-scaling-stroke; }
      text { fill: #111; font: 600 13px system-ui, sans-serif; paint-order: stroke; stroke: #ffd400; stroke-width: 4px; }
      .noshot { padding: 2rem 1rem; text-align: center; color: #d5dbe5; }
      .counts { display: flex; flex-wrap: wrap; gap: 0.4rem; }
      .count { padding: 0.15rem 0.55rem; border-radius: 999px; background: #e7ecf5; color: #1c2330; }
      .state-ok { background: #d4f5dd; color: #134a22; }
      .state-failing { background: #fde2df; color: #7a1710; }
      .state-paused, .state-starting { background: #fff1c2; color: #4a3b00; }
      .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
      @media (prefers-color-scheme: dark) {
        .count { background: #2b3445; color: #e4e8ee; }
        .state-ok { background: #1d4d2c; color: #d9f7e0; }
        .state-failing { background: #5b1d18; color: #ffd9d4; }
        .state-paused, .state-starting { background: #5a4a12; color: #fff3c8; }
      }
    `,
  ];
  camera!: VisionCameraEntry;
  open: readonly OpenObject[] = [];
  counts: ReadonlyArray<[string, number]> = [];
  canWrite = false;
  look: LookResult | undefined;
  looking = false;
  lookError: { code: string; message: string } | undefined;
  /** The snapshot the picture shows did not load (removed by the budget, or another node's). */
  missing = '';

  private async lookNow(): Promise<void> {
    this.looking = true;
    this.lookError = undefined;
    try {
      this.look = await api<LookResult>('/api/vision/look', { method: 'POST', body: { camera: this.camera.name } });
    } catch (err) {
      this.lookError = err instanceof ApiError ? { code: err.code, message: err.message } : { code: 'SMOL_HTTP', message: (err as Error).message };
    } finally {
      this.looking = false;
    }
  }

  private picture(sha: string | undefined, drawn: readonly Drawn[], alt: string) {
    if (!sha || this.missing === sha) {
      return html`<figure><div class="noshot">${sha ? 'The snapshot is not stored on this node (removed to stay within its budget, or taken on another node).' : 'No snapshot yet.'}</div></figure>`;
    }
    return html`<figure>
      <img src="/api/vision/snapshots/${sha}" alt=${alt} @error=${() => (this.missing = sha)} />
      <svg aria-hidden="true" data-testid="boxes">
        ${drawn.map((d) => {
          const { x, y, w, h } = d.box;
          const inside = y < 0.08; // no room above: the label goes inside the box
          return svg`<g data-label=${d.label}>
            <rect x="${x * 100}%" y="${y * 100}%" width="${w * 100}%" height="${h * 100}%" rx="3"></rect>
            <text x="${x * 100}%" y="${y * 100}%" dx="4" dy=${inside ? '1.2em' : '-0.35em'}>${d.label} ${pct(d.score)}</text>
          </g>`;
        })}
      </svg>
    </figure>`;
  }

  private state() {
    const c = this.camera;
    const retry = c.nextRetryAtMs !== undefined ? html` · next try ${formatAgo(c.nextRetryAtMs)}` : '';
    const failing = c.state === 'failing' && c.lastError
      ? html`<div class="error" data-testid="camera-error"><code>${c.lastError.code}</code>: <span class="id">${c.lastError.message}</span>${retry}</div>`
      : c.state === 'failing' ? html`<div class="error">failing${retry}</div>` : '';
    const paused = c.state === 'paused' ? html`<div class="muted">Paused while the node is short of memory.</div>` : '';
    const seen = c.source === 'journal'
      ? html`<div class="muted">Another node's camera, from its events (last ${ago(c.lastFrameAtMs)}).</div>`
      : html`<div class="muted">${c.lastFrameAtMs ? html`Last frame ${ago(c.lastFrameAtMs)}` : 'No frame yet'} · ${c.frames} frames, ${c.inferences} looked at by the models</div>`;
    return html`${failing}${paused}${seen}`;
  }

  override render() {
    const c = this.camera;
    const look = this.look;
    const drawn: Drawn[] = look ? [...look.detections] : this.open.map((o) => ({ label: o.label, score: o.score, box: o.box }));
    const sha = look ? look.snapshot : c.latestSnapshot;
    return html`<section class="card" data-camera=${c.name} aria-label="Camera ${c.name}">
      <h3>${c.name} <span class="badge state-${c.state}" data-testid="camera-state">${c.state}</span> <span class="muted">${c.describe}</span></h3>
      ${this.picture(sha, drawn, look ? `What ${c.name} saw at ${clockTime(look.capturedAtMs)}` : `Latest snapshot of ${c.name}`)}
      ${look
        ? html`<div data-testid="look-result" role="status">
            Looked at ${clockTime(look.capturedAtMs)}: ${look.detections.length === 0 ? 'nothing of interest' : look.detections.map((d) => `${d.label} ${pct(d.score)}`).join(', ')}${look.classes.length ? html`<div class="muted">Scene: ${look.classes.map((k) => `${k.label} ${pct(k.score)}`).join(', ')}</div>` : ''}
          </div>`
        : html`<div class="counts" aria-label="In view now" data-testid="occupancy">
            ${this.counts.length === 0 ? html`<span class="muted">Nothing in view</span>` : this.counts.map(([label, n]) => html`<span class="count" data-label=${label}>${label} <strong>${n}</strong></span>`)}
          </div>`}
      ${this.state()}
      ${this.lookError ? html`<p class="error" role="alert" data-testid="look-error"><code>${this.lookError.code}</code>: ${this.lookError.message}</p>` : ''}
      ${this.canWrite && c.source === 'live'
        ? html`<div class="actions">
            <button ?disabled=${this.looking} @click=${() => this.lookNow()}>${this.looking ? 'Looking…' : 'Look now'}</button>
            ${look ? html`<button @click=${() => (this.look = undefined)}>Back to live</button>` : ''}
          </div>`
        : ''}
    </section>`;
  }
}

customElements.define('smol-camera-card', SmolCameraCard);
declare global {
  interface HTMLElementTagNameMap {
    'smol-camera-card': SmolCameraCard;
  }
}
