import { LitElement, css, html } from 'lit';
import { api, query } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import { ago } from './format.js';
import { hlcMs, type JournalEntry } from './types.js';
import './smol-event-detail.js';

const KEEP = 500;

type FilterKind = 'type' | 'node';

/** The filters in the address: `#/journal?node=<origin>&type=reading.sampled` (each may repeat). */
function filtersInHash(): { types: string[]; origins: string[] } {
  const q = location.hash.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
  const list = (name: string) => [...new Set(params.getAll(name).filter(Boolean))];
  return { types: list('type'), origins: list('node') };
}

/**
 * The live tail of the journal, newest first. Filters by type and node are chips (removable, kept
 * in the address so a link such as the fleet view's `#/journal?node=<origin>` opens filtered);
 * an event opens in full (smol-event-detail) on a click on its row, or its # button (keyboard).
 */
export class SmolJournal extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { entries: { state: true }, selected: { state: true }, error: { state: true }, types: { state: true }, origins: { state: true }, names: { state: true } };
  static override styles = [
    shared,
    css`
      .chips { display: flex; flex-wrap: wrap; gap: 0.4rem; list-style: none; margin: 0 0 0.75rem; padding: 0; }
      .chip { display: inline-flex; align-items: center; gap: 0.2rem; border: 1px solid var(--line, #c9d0db); border-radius: 999px; padding: 0 0 0 0.7rem; background: var(--card, #fff); }
      .chip button { border: 0; background: transparent; min-width: 44px; border-radius: 999px; }
      label { display: inline-flex; align-items: center; gap: 0.4rem; }
      tbody tr { cursor: pointer; }
      tbody tr.picked { outline: 2px solid #2f6fed; outline-offset: -2px; }
      td button.open { border: 0; background: transparent; padding: 0 0.2rem; min-height: 32px; text-decoration: underline; }
    `,
  ];
  entries: JournalEntry[] = [];
  selected: string | undefined;
  error = '';
  types: string[] = [];
  origins: string[] = [];
  /** Node id → name (from /api/nodes), for the node column, the chips and the detail. */
  names: ReadonlyMap<string, string> = new Map();
  private readonly stream = new JournalStream(this, { onEvents: (e) => this.add(e) });
  private readonly onHash = () => this.fromHash();

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    this.fromHash(true);
    void this.loadNames();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  private fromHash(always = false): void {
    const f = filtersInHash();
    if (!always && f.types.join() === this.types.join() && f.origins.join() === this.origins.join()) return;
    this.types = f.types;
    this.origins = f.origins;
    void this.load();
  }

  private async loadNames(): Promise<void> {
    const r = await api<{ nodes: Array<{ origin: string; name: string | null }> }>('/api/nodes').catch(() => undefined);
    if (r) this.names = new Map(r.nodes.filter((n) => n.name).map((n) => [n.origin, n.name!]));
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

  /** Sets the filters, writes them into the address (no new history entry) and reloads. */
  private setFilters(types: string[], origins: string[]): void {
    this.types = [...new Set(types)];
    this.origins = [...new Set(origins)];
    const q = new URLSearchParams([...this.origins.map((o) => ['node', o]), ...this.types.map((t) => ['type', t])]).toString();
    history.replaceState(null, '', `#/journal${q ? `?${q}` : ''}`);
    void this.load();
  }

  private addFilter(kind: FilterKind, value: string): void {
    const v = value.trim();
    if (!v) return;
    if (kind === 'type') this.setFilters([...this.types, v], this.origins);
    else this.setFilters(this.types, [...this.origins, v]);
  }

  private removeFilter(kind: FilterKind, value: string): void {
    if (kind === 'type') this.setFilters(this.types.filter((t) => t !== value), this.origins);
    else this.setFilters(this.types, this.origins.filter((o) => o !== value));
  }

  private submit(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const type = form.querySelector<HTMLInputElement>('[name=type]')!;
    const node = form.querySelector<HTMLSelectElement>('[name=node]')!;
    this.addFilter('type', type.value);
    this.addFilter('node', node.value);
    type.value = '';
    node.value = '';
  }

  private nodeLabel(origin: string): string {
    return this.names.get(origin) ?? `${origin.slice(0, 10)}…`;
  }

  private chip(kind: FilterKind, value: string) {
    const text = kind === 'type' ? value : this.nodeLabel(value);
    return html`<li class="chip" data-testid="filter-chip" data-kind=${kind} data-value=${value}>
      <span>${kind === 'type' ? 'type' : 'node'}: ${text}</span>
      <button type="button" aria-label="Remove the filter ${kind} ${text}" @click=${() => this.removeFilter(kind, value)}>×</button>
    </li>`;
  }

  override render() {
    const seenTypes = [...new Set(this.entries.map((e) => e.event.type))].sort();
    return html`
      <h2>Journal <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      <form class="row" @submit=${this.submit} aria-label="Add a filter">
        <label>Type <input name="type" list="journal-types" placeholder="e.g. reading.sampled" autocomplete="off" style="min-width:11rem" /></label>
        <datalist id="journal-types">${seenTypes.map((t) => html`<option value=${t}></option>`)}</datalist>
        <label>Node <select name="node">
          <option value="">any node</option>
          ${[...this.names].filter(([o]) => !this.origins.includes(o)).map(([o, n]) => html`<option value=${o}>${n}</option>`)}
        </select></label>
        <button type="submit">Add filter</button>
      </form>
      ${this.types.length + this.origins.length > 0
        ? html`<ul class="chips" aria-label="Filters">
            ${this.types.map((t) => this.chip('type', t))}${this.origins.map((o) => this.chip('node', o))}
            ${this.types.length + this.origins.length > 1 ? html`<li><button type="button" @click=${() => this.setFilters([], [])}>Clear all</button></li>` : ''}
          </ul>`
        : ''}
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.selected
        ? html`<smol-event-detail event-id=${this.selected} .names=${this.names} @close=${() => (this.selected = undefined)}
            @filter=${(e: CustomEvent<{ kind: FilterKind; value: string }>) => this.addFilter(e.detail.kind, e.detail.value)}></smol-event-detail>`
        : ''}
      ${this.entries.length === 0
        ? html`<div class="empty">No events match.</div>`
        : html`<div class="scroll"><table aria-label="Journal events, newest first">
            <thead><tr><th>#</th><th>When</th><th>Type</th><th>Node</th><th>Data</th></tr></thead>
            <tbody>
              ${this.entries.map(
                (e) => html`<tr @click=${() => (this.selected = e.event.id)} data-position=${e.position} class=${this.selected === e.event.id ? 'picked' : ''}>
                  <td><button type="button" class="open" aria-label="Show event ${e.position} in full" @click=${(ev: Event) => { ev.stopPropagation(); this.selected = e.event.id; }}>${e.position}</button></td>
                  <td>${ago(hlcMs(e.event.hlc))}</td>
                  <td>${e.event.type}</td>
                  <td class="muted"><span class="id">${this.nodeLabel(e.event.origin)}:${e.event.seq}</span></td>
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
