import { LitElement, html } from 'lit';
import { api, query } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import { ago } from './format.js';

interface Memory {
  id: string;
  text: string;
  kind: string;
  confidence: number;
  confirmations: number;
  createdAt: number;
}

/** What the agent remembers, with confidence and how often it was confirmed. */
export class SmolMemories extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { items: { state: true }, available: { state: true }, searched: { state: true }, error: { state: true } };
  static override styles = shared;
  items: Memory[] = [];
  available = true;
  /** Whether the list shown is filtered (so empty means no match, not none at all). */
  searched = false;
  error = '';
  private readonly stream = new JournalStream(this, { types: ['memory.remembered', 'memory.confirmed', 'memory.forgotten'], onEvents: () => void setTimeout(() => void this.search(), 1500) });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.search();
  }

  private async search(e?: Event): Promise<void> {
    e?.preventDefault();
    const q = (this.renderRoot.querySelector('[name=query]') as HTMLInputElement | null)?.value ?? '';
    try {
      const r = await api<{ available: boolean; items: Memory[] }>(`/api/memories${query({ query: q, limit: 200 })}`);
      this.items = r.items;
      this.searched = q !== '';
      this.available = r.available;
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    return html`
      <h2>Memories <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      <form class="row" @submit=${this.search}>
        <input name="query" type="search" aria-label="Search memories" placeholder="Search memories" style="flex:1;min-width:10rem" />
        <button type="submit">Search</button>
      </form>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.items.length === 0
        ? html`<div class="empty">${this.available && this.searched ? 'No memories match.' : 'None yet: the agent has not remembered anything.'}</div>`
        : html`<div class="scroll"><table>
            <thead><tr><th>Since</th><th>Kind</th><th>Memory</th><th>Confidence</th><th>Confirmed</th></tr></thead>
            <tbody>
              ${this.items.map(
                (m) => html`<tr><td>${ago(m.createdAt)}</td><td><span class="badge">${m.kind}</span></td><td>${m.text}</td><td>${Math.round(m.confidence * 100)}%</td><td>${m.confirmations}×</td></tr>`,
              )}
            </tbody>
          </table></div>`}
    `;
  }
}

customElements.define('smol-memories', SmolMemories);
declare global {
  interface HTMLElementTagNameMap {
    'smol-memories': SmolMemories;
  }
}
