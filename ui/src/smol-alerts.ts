import { LitElement, css, html } from 'lit';
import type { Alert } from '../../adapters/http/overview-alerts.js';
import { ago } from './format.js';
import { shared } from './styles.js';

/** The overview's alerts (GET /api/overview), worst first; a calm line when there are none. */
export class SmolAlerts extends LitElement {
  static override properties = { alerts: { attribute: false } };
  static override styles = [
    shared,
    css`
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.4rem; }
      li { border: 1px solid var(--line, #dde2ea); border-left: 5px solid #d68000; border-radius: 8px; padding: 0.45rem 0.7rem; background: var(--card, #fff); }
      li[data-severity='critical'] { border-left-color: #c5221f; }
      .head { display: flex; flex-wrap: wrap; gap: 0.2rem 0.6rem; align-items: baseline; font-size: 0.8rem; }
      .sev { font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; }
      li[data-severity='critical'] .sev { color: #b3261e; }
      li[data-severity='warning'] .sev { color: #8a5300; }
      .calm { color: #1e7b34; }
      @media (prefers-color-scheme: dark) {
        li[data-severity='critical'] .sev { color: #ff8a80; }
        li[data-severity='warning'] .sev { color: #ffc66d; }
        .calm { color: #7fd69a; }
      }
    `,
  ];
  alerts: readonly Alert[] | undefined;

  override render() {
    if (this.alerts === undefined) return html`<p class="muted">Loading…</p>`;
    if (this.alerts.length === 0) return html`<p class="calm" data-testid="no-alerts">No alerts: disks, memory, units, clocks and sync are fine.</p>`;
    return html`<ul data-testid="alerts">
      ${this.alerts.map(
        (a) => html`<li data-severity=${a.severity} data-code=${a.code}>
          <div class="head"><span class="sev">${a.severity}</span><code>${a.code}</code>${a.at ? html`<span class="muted">${ago(a.at)}</span>` : ''}${a.node ? html`<a href="#/nodes">nodes and sync</a>` : ''}</div>
          <div>${a.message}</div>
        </li>`,
      )}
    </ul>`;
  }
}

customElements.define('smol-alerts', SmolAlerts);
declare global {
  interface HTMLElementTagNameMap {
    'smol-alerts': SmolAlerts;
  }
}
