import { LitElement, css, html } from 'lit';
import type { UnitReport } from '../../core/runtime/units.js';
import { ago } from './format.js';
import { shared } from './styles.js';

const STATE_TEXT: Record<UnitReport['state'], string> = { running: 'running', degraded: 'degraded', failed: 'failed', stopped: 'stopped' };

/** Every unit of the node (from /api/health) as a chip: green running, amber degraded, red failed, grey stopped. */
export class SmolUnitHealth extends LitElement {
  static override properties = { units: { attribute: false } };
  static override styles = [
    shared,
    css`
      ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
      li { display: inline-flex; align-items: center; gap: 0.35rem; padding: 0.25rem 0.6rem; border-radius: 999px; border: 1px solid var(--line, #dde2ea); background: var(--card, #fff); font-size: 0.9rem; }
      .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: #8a93a3; flex: none; }
      [data-state='running'] .dot { background: #1e8e3e; }
      [data-state='degraded'] .dot { background: #d68000; }
      [data-state='failed'] .dot { background: #c5221f; }
      [data-state='degraded'], [data-state='failed'] { font-weight: 600; }
      .why { margin: 0.4rem 0 0; font-size: 0.85rem; }
    `,
  ];
  units: readonly UnitReport[] = [];

  override render() {
    if (this.units.length === 0) return html`<div class="empty">This node reports no units.</div>`;
    const troubled = this.units.filter((u) => u.state === 'degraded' || u.state === 'failed');
    return html`
      <ul data-testid="units" aria-label="Units">
        ${this.units.map(
          (u) => html`<li data-unit=${u.name} data-state=${u.state} title=${u.message ? `${u.code ?? ''} ${u.message}`.trim() : STATE_TEXT[u.state]}>
            <span class="dot" aria-hidden="true"></span>${u.name}<span class="muted">${u.state === 'running' ? '' : STATE_TEXT[u.state]}</span>
          </li>`,
        )}
      </ul>
      ${troubled.map((u) => html`<p class="why"><b>${u.name}</b> ${STATE_TEXT[u.state]}${u.message ? html`: ${u.message}` : ''}${u.code ? html` <code>${u.code}</code>` : ''}${u.since ? html` · since ${ago(Date.parse(u.since))}` : ''}</p>`)}
    `;
  }
}

customElements.define('smol-unit-health', SmolUnitHealth);
declare global {
  interface HTMLElementTagNameMap {
    'smol-unit-health': SmolUnitHealth;
  }
}
