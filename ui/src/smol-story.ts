import { LitElement, css, html } from 'lit';
import type { ObservationRow } from '../../projections/observations.js';
import type { Memory } from '../../projections/memories.js';
import { ago } from './format.js';
import { shared } from './styles.js';

/**
 * What the node noticed and remembers, newest first: its latest observations, each marked as
 * written by the model (LLM) or computed (statistical), and its recent memories.
 */
export class SmolStory extends LitElement {
  static override properties = { observations: { attribute: false }, memories: { attribute: false }, names: { attribute: false }, self: {} };
  static override styles = [
    shared,
    css`
      .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 0.75rem; }
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
      li { border-bottom: 1px solid var(--line, #dde2ea); padding-bottom: 0.45rem; }
      li:last-child { border-bottom: 0; }
      .meta { display: flex; flex-wrap: wrap; gap: 0.2rem 0.45rem; align-items: center; font-size: 0.8rem; margin-top: 0.2rem; }
      .badge.llm { background: #dbe7ff; }
      @media (prefers-color-scheme: dark) { .badge.llm { background: #233a66; } }
      .more { font-size: 0.85rem; }
    `,
  ];
  observations: readonly ObservationRow[] = [];
  memories: readonly Memory[] = [];
  /** origin → node name, to say whose a note is on a hub. */
  names: ReadonlyMap<string, string> = new Map();
  self = '';

  private who(origin: string) {
    if (origin === this.self) return '';
    return html`<span class="badge" title=${origin}>${this.names.get(origin) ?? `${origin.slice(0, 8)}…`}</span>`;
  }

  override render() {
    return html`<div class="cols">
      <section class="card" aria-labelledby="obs-h">
        <h3 id="obs-h">Latest observations</h3>
        ${this.observations.length === 0
          ? html`<p class="muted">None yet: the observer writes its first after a few minutes of readings.</p>`
          : html`<ul data-testid="observations">
              ${this.observations.map(
                (o) => html`<li data-method=${o.method}>
                  <div>${o.text}</div>
                  <div class="meta">
                    ${o.method !== 'statistical'
                      ? html`<span class="badge llm" title=${`written by ${o.model ?? 'the model'}`}>LLM</span>`
                      : html`<span class="badge sim" title="computed from the readings: no model was reachable">statistical</span>`}
                    <span class="badge">${o.kind}</span>${this.who(o.origin)}
                    <span class="muted">${ago(o.at)} · ${Math.round(o.confidence * 100)} % sure</span>
                  </div>
                </li>`,
              )}
            </ul>`}
        <p class="more"><a href="#/observations">All observations</a></p>
      </section>
      <section class="card" aria-labelledby="mem-h">
        <h3 id="mem-h">Recent memories</h3>
        ${this.memories.length === 0
          ? html`<p class="muted">None yet: the agent remembers what it is told or finds worth keeping.</p>`
          : html`<ul data-testid="memories">
              ${this.memories.map(
                (m) => html`<li>
                  <div>${m.text}</div>
                  <div class="meta"><span class="badge">${m.kind}</span>${this.who(m.origin)}<span class="muted">${ago(m.createdAt)} · ${Math.round(m.confidence * 100)} % sure${m.confirmations ? ` · confirmed ${m.confirmations}×` : ''}</span></div>
                </li>`,
              )}
            </ul>`}
        <p class="more"><a href="#/memories">All memories</a></p>
      </section>
    </div>`;
  }
}

customElements.define('smol-story', SmolStory);
declare global {
  interface HTMLElementTagNameMap {
    'smol-story': SmolStory;
  }
}
