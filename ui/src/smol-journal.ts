import { LitElement, html } from 'lit';
import { api, query } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import { ago } from './format.js';
import { hlcMs, type JournalEntry } from './types.js';
import { hashParam } from './hash-params.js';

const KEEP = 500;

/** The live tail of the journal, newest first, with type/origin filters and event detail. */
export class SmolJournal extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { entries: { state: true }, selected: { state: true }, error: { state: true } };
  static override styles = shared;
  entries: JournalEntry[] = [];
  selected: JournalEntry | undefined;
  error = '';
  private types: string[] = [];
  /** Origins to show; `#/journal?node=<origin>` (a link from the fleet view) starts with that one. */
  private origins: string[] = [hashParam('node')].filter((o): o is string => o !== undefined);
  private readonly stream = new JournalStream(this, { onEvents: (e) => this.add(e) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** The newest events by REST, then the stream from the position that answer was read at: no gap. */
  private async load(): Promise<void> {
    try {
      const r = await api<{ lastPosition: number; entries: JournalEntry[] }>(`/api/journal${query({ types: this.types.join(','), origins: this.origins.join(','), limit: 50 })}`);
      this.entries = r.entries;
      this.error = '';
      this.stream.resubscribe({ types: this.types, origins: this.origins, fromPosition: r.lastPosition + 1 });
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private add(entries: JournalEntry[]): void {
    this.entries = [...entries.slice().reverse(), ...this.entries].slice(0, KEEP);
  }

  private filter(e: Event): void {
    e.preventDefault();
    const value = (name: string) => ((this.renderRoot.querySelector(`[name=${name}]`) as HTMLInputElement).value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    this.types = value('types');
    this.origins = value('origins');
    this.selected = undefined;
    void this.load();
  }

  override render() {
    return html`
      <h2>Journal <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      <form class="row" @submit=${this.filter}>
        <input name="types" placeholder="types, e.g. reading.sampled,gpio.mode.changed" style="flex:2;min-width:12rem" />
        <input name="origins" placeholder="origin node ids" style="flex:1;min-width:8rem" .value=${this.origins.join(',')} />
        <button type="submit">Filter</button>
      </form>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.selected
        ? html`<div class="card" style="margin-bottom:0.75rem">
            <div class="row"><h3 style="margin:0;flex:1">#${this.selected.position} ${this.selected.event.type}</h3><button @click=${() => (this.selected = undefined)}>Close</button></div>
            <pre>${JSON.stringify(this.selected.event, null, 2)}</pre>
          </div>`
        : ''}
      ${this.entries.length === 0
        ? html`<div class="empty">No events match.</div>`
        : html`<div class="scroll"><table>
            <thead><tr><th>#</th><th>When</th><th>Type</th><th>Origin</th><th>Data</th></tr></thead>
            <tbody>
              ${this.entries.map(
                (e) => html`<tr @click=${() => (this.selected = e)} style="cursor:pointer" data-position=${e.position}>
                  <td>${e.position}</td>
                  <td>${ago(hlcMs(e.event.hlc))}</td>
                  <td>${e.event.type}</td>
                  <td class="muted">${e.event.origin.slice(0, 10)}…:${e.event.seq}</td>
                  <td class="muted"><code>${summary(e.event.data)}</code></td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    `;
  }
}

function summary(data: unknown): string {
  const s = JSON.stringify(data) ?? '';
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

customElements.define('smol-journal', SmolJournal);
declare global {
  interface HTMLElementTagNameMap {
    'smol-journal': SmolJournal;
  }
}
