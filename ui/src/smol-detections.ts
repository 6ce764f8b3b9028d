import { LitElement, css, html } from 'lit';
import type { VisionObject } from '../../projections/vision.js';
import { api } from './api.js';
import { ago } from './format.js';
import { shared } from './styles.js';

/**
 * The latest detections (GET /api/vision/objects?limit=6) with their snapshot thumbnails. A node
 * without the vision API, or with vision off, shows nothing at all: no empty box, no error.
 * A peer's snapshot is not synced, so its thumbnail answers 404 and a label stands in for it.
 */
export class SmolDetections extends LitElement {
  static override properties = { objects: { state: true }, missing: { state: true }, names: { attribute: false }, self: {} };
  static override styles = [
    shared,
    css`
      ul { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 0.6rem; }
      li { border: 1px solid var(--line, #dde2ea); border-radius: 10px; overflow: hidden; background: var(--card, #fff); }
      img, .noimg { display: block; width: 100%; aspect-ratio: 4 / 3; object-fit: cover; background: var(--code, #f0f2f5); }
      .noimg { display: flex; align-items: center; justify-content: center; font-size: 0.8rem; opacity: 0.7; }
      .cap { padding: 0.3rem 0.5rem; font-size: 0.85rem; }
      h3 { margin-top: 1rem; }
    `,
  ];
  objects: VisionObject[] = [];
  /** Snapshots whose thumbnail did not load (a peer's, or one retention dropped). */
  missing = new Set<string>();
  /** origin → node name, and this node's id: another node's detections say whose they are. */
  names: ReadonlyMap<string, string> = new Map();
  self = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Reads the newest objects again (the overview calls this when vision events arrive). */
  async load(): Promise<void> {
    try {
      this.objects = (await api<{ objects: VisionObject[] }>('/api/vision/objects?limit=6')).objects ?? [];
    } catch {
      // No vision API on this node (404), vision off (409), or anything else: the overview shows no detections.
      this.objects = [];
    }
  }

  override render() {
    if (this.objects.length === 0) return html``;
    return html`
      <h3>Recent detections <a style="font-size:0.85rem;font-weight:normal" href="#/cameras">cameras</a></h3>
      <ul data-testid="detections">
        ${this.objects.map((o) => {
          const sha = o.snapshot;
          const label = `${o.label} on ${o.camera}`;
          return html`<li data-object=${o.objectId}>
            ${sha && !this.missing.has(sha)
              ? html`<img src=${`/api/vision/snapshots/${sha}/thumbnail`} alt=${label} loading="lazy" @error=${() => (this.missing = new Set([...this.missing, sha]))} />`
              : html`<div class="noimg" aria-hidden="true">no snapshot here</div>`}
            <div class="cap"><b>${o.label}</b> ${Math.round(o.topScore * 100)} %<br /><span class="muted">${o.node !== this.self ? `${this.names.get(o.node) ?? o.node.slice(0, 8)} · ` : ''}${o.camera} · ${ago(o.endedAtMs ?? o.lastSeenAtMs)}</span></div>
          </li>`;
        })}
      </ul>
    `;
  }
}

customElements.define('smol-detections', SmolDetections);
declare global {
  interface HTMLElementTagNameMap {
    'smol-detections': SmolDetections;
  }
}
