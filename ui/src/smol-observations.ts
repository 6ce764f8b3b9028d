import { LitElement, html } from 'lit';
import { api, query } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import { ago } from './format.js';
import { NodeFilter } from './hash-params.js';

interface Observation {
  id: string;
  origin: string;
  at: number;
  text: string;
  kind: string;
  confidence: number;
  method?: string;
  sources?: string[];
}

/** Observation search by words, kind, node and time; new observations appear as they are recorded. */
export class SmolObservations extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { items: { state: true }, available: { state: true }, searched: { state: true }, error: { state: true } };
  static override styles = shared;
  items: Observation[] = [];
  available = true;
  /** Whether the list shown is filtered (so empty means no match, not none at all). */
  searched = false;
  error = '';
  // Projection records become readable when the runner commits (about once a second): search a bit later.
  private readonly stream = new JournalStream(this, { types: ['observation.recorded'], onEvents: () => void setTimeout(() => void this.search(), 1500) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.search();
  }

  /** `#/observations?node=<origin>` (a link from the fleet view) fills in the node field. */
  private readonly nodeFilter = new NodeFilter(this, () => {
    const el = this.renderRoot.querySelector<HTMLInputElement>('[name=origin]');
    if (el) el.value = this.nodeFilter.value ?? '';
    void this.search();
  });

  private field(name: string): string {
    // Before the first render there is no form: the node from the address is the only filter.
    if (!this.hasUpdated) return name === 'origin' ? (this.nodeFilter.value ?? '') : '';
    return (this.renderRoot.querySelector(`[name=${name}]`) as HTMLInputElement | null)?.value ?? '';
  }

  private async search(e?: Event): Promise<void> {
    e?.preventDefault();
    try {
      const r = await api<{ available: boolean; items: Observation[] }>(
        `/api/observations${query({ query: this.field('query'), kind: this.field('kind'), hours: this.field('hours'), origin: this.field('origin'), limit: 100 })}`,
      );
      this.items = r.items;
      this.searched = ['query', 'kind', 'hours', 'origin'].some((f) => this.field(f) !== '');
      this.available = r.available;
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    return html`
      <h2>Observations <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      <form class="row" @submit=${this.search}>
        <input name="query" type="search" aria-label="Search words in observations" placeholder="Search words" style="flex:1;min-width:10rem" />
        <select name="kind" aria-label="Kind of observation" @change=${() => this.search()}>
          <option value="">any kind</option>
          ${['trend', 'excursion', 'anomaly', 'state', 'pattern', 'summary'].map((k) => html`<option value=${k}>${k}</option>`)}
        </select>
        <select name="hours" aria-label="Time range" @change=${() => this.search()}>
          <option value="">any time</option>
          <option value="1">last hour</option>
          <option value="24">last 24 h</option>
          <option value="168">last 7 days</option>
        </select>
        <input name="origin" aria-label="Node id" placeholder="node id" style="width:8rem" .value=${this.nodeFilter.value ?? ''} />
        <button type="submit">Search</button>
      </form>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.items.length === 0
        ? html`<div class="empty">${this.available && this.searched ? 'No observations match.' : 'None yet: the observer has not recorded any observation.'}</div>`
        : html`<div class="scroll"><table>
            <thead><tr><th>When</th><th>Kind</th><th>Observation</th><th>Confidence</th></tr></thead>
            <tbody>
              ${this.items.map(
                (o) => html`<tr>
                  <td>${ago(o.at)}</td>
                  <td><span class="badge">${o.kind}</span>${o.method === 'statistical' ? html` <span class="badge sim">statistical</span>` : ''}</td>
                  <td class="text">${o.text}</td>
                  <td>${Math.round(o.confidence * 100)}%</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    `;
  }
}

customElements.define('smol-observations', SmolObservations);
declare global {
  interface HTMLElementTagNameMap {
    'smol-observations': SmolObservations;
  }
}
