import { LitElement, css, html, type PropertyValues } from 'lit';
import { api } from './api.js';
import { shared } from './styles.js';
import { exactTime, formatAgo, formatBytes } from './format.js';
import { copyText } from './copy-text.js';
import { hlcMs } from './types.js';
import type { JournalEventDetail } from '../../adapters/http/routes/api-journal.js';

/**
 * One journal event in full: id (with a copy button), type and version, time (HLC, exact and
 * relative), origin node, who delivered it (this node, or the sync peer), stored hash and size,
 * and its data as indented JSON. Fires `close`, and `filter` ({kind: 'type'|'node', value}).
 */
export class SmolEventDetail extends LitElement {
  static override properties = { eventId: { attribute: 'event-id' }, names: { attribute: false }, detail: { state: true }, error: { state: true }, copied: { state: true } };
  static override styles = [
    shared,
    css`
      :host { margin-bottom: 0.75rem; }
      .head { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.5rem; }
      .head h3 { margin: 0; flex: 1; min-width: 10rem; }
      dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.3rem 0.9rem; margin: 0 0 0.6rem; }
      dt { font-weight: 600; opacity: 0.8; }
      dd { margin: 0; min-width: 0; }
      .idline { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
      pre { max-height: 60vh; overflow: auto; margin: 0; }
      @media (max-width: 640px) {
        dl { grid-template-columns: minmax(0, 1fr); }
        dd { margin-bottom: 0.35rem; }
      }
    `,
  ];
  eventId = '';
  /** Node id → name, to name origins and peers. */
  names: ReadonlyMap<string, string> = new Map();
  detail: JournalEventDetail | undefined;
  error = '';
  copied = false;

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('eventId') && this.eventId) void this.load();
  }

  private async load(): Promise<void> {
    const id = this.eventId;
    this.detail = undefined;
    this.error = '';
    this.copied = false;
    try {
      const d = await api<JournalEventDetail>(`/api/journal/events/${encodeURIComponent(id)}`);
      if (id === this.eventId) this.detail = d;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('h3')?.focus();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private emit(name: 'close' | 'filter', detail?: { kind: 'type' | 'node'; value: string }): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private async copyId(): Promise<void> {
    this.copied = await copyText(this.eventId);
  }

  private node(id: string, fallbackName?: string | null) {
    const name = this.names.get(id) ?? fallbackName;
    return html`${name ? html`<strong>${name}</strong> ` : ''}<code class="id">${id}</code>`;
  }

  private delivery(d: JournalEventDetail) {
    const v = d.delivery;
    if (v.by === 'local') return html`written on this node`;
    if (v.by === 'unknown') return html`<span class="muted">another node's event; the sync round that brought it is not in the journal</span>`;
    return html`${this.node(v.peer, v.peerName)} over ${v.via === 'usb' ? 'a USB stick' : 'HTTP sync'} (recorded at #${v.syncPosition}, <time datetime=${v.at} title=${exactTime(Date.parse(v.at))}>${formatAgo(Date.parse(v.at))}</time>)`;
  }

  override render() {
    const d = this.detail;
    return html`<section class="card" aria-label="Event detail" data-testid="event-detail">
      <div class="head">
        <h3 tabindex="-1">${d ? html`#${d.position} ${d.event.type} <span class="muted">v${d.event.v}</span>` : this.eventId}</h3>
        ${d ? html`<button type="button" @click=${() => this.emit('filter', { kind: 'type', value: d.event.type })}>Only this type</button>` : ''}
        <button type="button" @click=${() => this.emit('close')}>Close</button>
      </div>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${d
        ? html`<dl>
              <dt>Id</dt>
              <dd class="idline"><code class="id" data-testid="event-id">${d.event.id}</code>
                <button type="button" data-testid="copy-id" @click=${() => void this.copyId()}>${this.copied ? 'Copied' : 'Copy id'}</button></dd>
              <dt>Time</dt>
              <dd><time datetime=${new Date(hlcMs(d.event.hlc)).toISOString()}>${exactTime(hlcMs(d.event.hlc))}</time> (${formatAgo(hlcMs(d.event.hlc))}) <span class="muted">HLC <code class="id">${d.event.hlc}</code></span></dd>
              <dt>Origin</dt>
              <dd>${this.node(d.event.origin)} <span class="muted">seq ${d.event.seq}</span>
                <button type="button" @click=${() => this.emit('filter', { kind: 'node', value: d.event.origin })}>Only this node</button></dd>
              <dt>Delivered by</dt>
              <dd data-testid="delivered-by">${this.delivery(d)}</dd>
              <dt>Hash</dt>
              <dd><code class="id" data-testid="event-hash">${d.hash}</code></dd>
              <dt>Previous</dt>
              <dd><code class="id">${d.event.prev}</code></dd>
              <dt>Size</dt>
              <dd data-testid="event-size">${formatBytes(d.bodyBytes)} <span class="muted">(${d.bodyBytes} bytes stored)</span></dd>
            </dl>
            <pre data-testid="event-data" tabindex="0" aria-label="Event data as JSON">${JSON.stringify(d.event.data, null, 2)}</pre>`
        : this.error
          ? ''
          : html`<p class="muted">Loading…</p>`}
    </section>`;
  }
}

customElements.define('smol-event-detail', SmolEventDetail);
declare global {
  interface HTMLElementTagNameMap {
    'smol-event-detail': SmolEventDetail;
  }
}
