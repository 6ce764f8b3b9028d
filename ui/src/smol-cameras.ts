import { LitElement, css, html } from 'lit';
import type { VisionCameraEntry } from '../../adapters/http/routes/api-vision.js';
import type { VisionObject } from '../../projections/vision.js';
import { ApiError, api, query } from './api.js';
import { ago } from './format.js';
import { JournalStream } from './journal-stream.js';
import { ReloadSoon } from './reload-soon.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import type { JournalEntry } from './types.js';
import { OpenObjects, type Detected } from './vision-occupancy.js';
import './smol-camera-card.js';

interface VisionView {
  enabled: boolean;
  cameras: VisionCameraEntry[];
}

const pct = (v: number) => `${Math.round(v * 100)} %`;

/**
 * The cameras of this node (and, on a hub, its peers' from their events): each with its latest
 * snapshot, boxes and live counts; below, the objects seen, newest first, filtered by camera and
 * label. Counts follow the journal stream (vision.detected) without a reload.
 */
export class SmolCameras extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = {
    vision: { state: true },
    objects: { state: true },
    labels: { state: true },
    camera: { state: true },
    label: { state: true },
    canWrite: { state: true },
    error: { state: true },
    missing: { state: true },
  };
  static override styles = [
    shared,
    css`
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 340px), 1fr)); gap: 0.75rem; margin-bottom: 1.25rem; }
      .chips { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-bottom: 0.5rem; align-items: center; }
      .thumb { width: 120px; max-width: 100%; height: auto; border-radius: 6px; display: block; }
      td.thumb-cell { width: 128px; }
      .howto pre { margin: 0.5rem 0; }
    `,
  ];
  vision: VisionView | undefined;
  /** The event list, as filtered. */
  objects: VisionObject[] = [];
  /** Every label seen, for the chips. */
  labels: string[] = [];
  camera = '';
  label = '';
  canWrite = false;
  error = '';
  /** Snapshots whose thumbnail did not load: removed by the budget, or taken on another node (not synced). */
  missing = new Set<string>();
  private readonly openObjects = new OpenObjects();
  private readonly reload = new ReloadSoon(this, () => void this.load(), 700);
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly stream = new JournalStream(this, { types: ['vision.detected', 'vision.classified'], onEvents: (e) => this.onEvents(e) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    void api<{ scope: string | null }>('/api/whoami').then((w) => (this.canWrite = w.scope === 'admin')).catch(() => undefined);
    // "3 min ago" and the next retry move on by themselves.
    this.ticker = setInterval(() => this.requestUpdate(), 15_000);
  }

  override disconnectedCallback(): void {
    clearInterval(this.ticker);
    super.disconnectedCallback();
  }

  private onEvents(entries: JournalEntry[]): void {
    for (const e of entries) if (e.event.type === 'vision.detected') this.openObjects.apply(e.event.origin, e.event.data as Detected);
    this.requestUpdate();
    // The list, the snapshots and the cameras' state come from REST, once the burst is over.
    this.reload.request();
  }

  private async load(): Promise<void> {
    try {
      const [vision, all] = await Promise.all([api<VisionView>('/api/vision'), api<{ objects: VisionObject[] }>('/api/vision/objects?limit=500')]);
      this.openObjects.seed(all.objects);
      this.labels = [...new Set(all.objects.map((o) => o.label))].sort();
      this.vision = vision;
      await this.loadList();
      this.error = '';
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SMOL_VISION_DISABLED') this.vision = { enabled: false, cameras: [] };
      else this.error = (err as Error).message;
    }
  }

  private async loadList(): Promise<void> {
    this.objects = (await api<{ objects: VisionObject[] }>(`/api/vision/objects${query({ camera: this.camera, label: this.label, limit: 100 })}`)).objects;
  }

  private filter(kind: 'camera' | 'label', value: string): void {
    this[kind] = value;
    void this.loadList().catch((err: Error) => (this.error = err.message));
  }

  private chips(kind: 'camera' | 'label', values: string[], all: string) {
    const current = this[kind];
    return html`<div class="chips" role="group" aria-label="Filter by ${kind}">
      <span class="muted">${kind === 'camera' ? 'Camera' : 'Label'}:</span>
      <button data-filter=${kind} data-value="" aria-pressed=${current === '' ? 'true' : 'false'} @click=${() => this.filter(kind, '')}>${all}</button>
      ${values.map((v) => html`<button data-filter=${kind} data-value=${v} aria-pressed=${current === v ? 'true' : 'false'} @click=${() => this.filter(kind, v)}>${v}</button>`)}
    </div>`;
  }

  private howTo() {
    return html`<div class="empty howto" data-testid="vision-off">
      <p><strong>Vision is off on this node.</strong> To turn it on, set <code>vision.enabled: true</code> and add a camera under <code>vision.cameras</code> in the node's config, then restart the node:</p>
      <pre>vision:
  enabled: true
  cameras:
    - name: porch
      source: rpicam      # or v4l2, rtsp, http, dir</pre>
      <p>Every camera source and its keys are described in docs/vision-cameras.md (and the models in docs/vision.md).</p>
    </div>`;
  }

  private list() {
    if (this.objects.length === 0) return html`<div class="empty">No objects seen${this.camera || this.label ? ' with these filters' : ' yet'}.</div>`;
    return html`<div class="scroll"><table aria-label="Objects seen">
      <thead><tr><th>Snapshot</th><th>Label</th><th>Top score</th><th>Camera</th><th>Zones</th><th>Started</th><th>Ended</th></tr></thead>
      <tbody>
        ${this.objects.map(
          (o) => html`<tr data-object=${o.objectId} data-label=${o.label}>
            <td class="thumb-cell">${o.snapshot && !this.missing.has(o.snapshot)
              ? html`<img class="thumb" loading="lazy" src="/api/vision/snapshots/${o.snapshot}/thumbnail" alt="${o.label} on ${o.camera}" @error=${() => (this.missing = new Set(this.missing).add(o.snapshot!))} />`
              : html`<span class="muted">${o.snapshot ? 'not on this node' : 'none'}</span>`}</td>
            <td>${o.label}</td>
            <td>${pct(o.topScore)}</td>
            <td>${o.camera}</td>
            <td>${o.zones.length ? o.zones.join(', ') : html`<span class="muted">none</span>`}</td>
            <td>${ago(o.startedAtMs)}</td>
            <td>${o.endedAtMs !== undefined ? ago(o.endedAtMs) : html`<span class="badge live">in view</span>`}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  override render() {
    const v = this.vision;
    const heading = html`<h2>Cameras <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>`;
    if (!v) return html`${heading}${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p class="muted">Loading…</p>`}`;
    const cameraNames = [...new Set(v.cameras.map((c) => c.name))].sort();
    return html`
      ${heading}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${!v.enabled ? this.howTo() : ''}
      ${v.cameras.length > 0
        ? html`<div class="grid">
            ${v.cameras.map(
              (c) => html`<smol-camera-card .camera=${c} .open=${this.openObjects.of(c.node, c.name)} .counts=${this.openObjects.counts(c.node, c.name)} ?canWrite=${this.canWrite}></smol-camera-card>`,
            )}
          </div>`
        : v.enabled ? html`<div class="empty">No cameras configured (vision.cameras).</div>` : ''}
      ${v.enabled || this.labels.length > 0
        ? html`<h3>Objects seen</h3>
            ${cameraNames.length > 1 ? this.chips('camera', cameraNames, 'All cameras') : ''}
            ${this.chips('label', this.labels, 'All labels')}
            ${this.list()}`
        : ''}
    `;
  }
}

customElements.define('smol-cameras', SmolCameras);
declare global {
  interface HTMLElementTagNameMap {
    'smol-cameras': SmolCameras;
  }
}
