import { LitElement, html } from 'lit';
import { api } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { TableCards } from './table-cards.js';
import type { GpioView } from './types.js';

/** GPIO pins and the hardware/simulation switch (admin only; the node journals every change). */
export class SmolGpio extends LitElement {
  private readonly tableCards = new TableCards(this);
  static override properties = { gpio: { state: true }, error: { state: true }, busy: { state: true } };
  static override styles = shared;
  gpio: GpioView | undefined;
  error = '';
  busy = false;
  private readonly stream = new JournalStream(this, { types: ['gpio.mode.changed', 'gpio.written', 'reading.sampled'], onEvents: () => void this.load() });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.gpio = await api<GpioView>('/api/gpio');
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async act(path: string, body: unknown): Promise<void> {
    this.busy = true;
    try {
      this.gpio = await api<GpioView>(path, { method: 'POST', body });
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const g = this.gpio;
    if (!g) return html`<h2>GPIO</h2>${this.error ? html`<p class="error">${this.error}</p>` : html`<p class="muted">Loading…</p>`}`;
    if (g.available === false) return html`<h2>GPIO</h2><div class="empty">This node has no GPIO (sensors.gpio.enabled is false).</div>`;
    return html`
      <h2>GPIO <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      <div class="row" role="group" aria-label="GPIO mode">
        <span>Mode:</span>
        <button data-mode="simulated" aria-pressed=${g.mode === 'simulated' ? 'true' : 'false'} ?disabled=${this.busy} @click=${() => this.act('/api/gpio/mode', { mode: 'simulated' })}>Simulated</button>
        <button data-mode="hardware" aria-pressed=${g.mode === 'hardware' ? 'true' : 'false'} ?disabled=${this.busy || !g.hardwareAvailable} title=${g.hardwareAvailable ? '' : 'no GPIO hardware found on this node'} @click=${() => this.act('/api/gpio/mode', { mode: 'hardware' })}>Hardware</button>
        <span class="muted" data-testid="gpio-mode">${g.mode}</span>
      </div>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <div class="scroll"><table>
        <thead><tr><th>Pin</th><th>Header</th><th>Direction</th><th>Value</th><th></th></tr></thead>
        <tbody>
          ${g.pins.map(
            (p) => html`<tr>
              <td>${p.name} ${p.simulated ? html`<span class="badge sim">simulated</span>` : ''}</td>
              <td>${p.pin}</td>
              <td>${p.direction}</td>
              <td>${p.value ?? '—'}</td>
              <td>${p.direction === 'output' ? html`<button ?disabled=${this.busy} @click=${() => this.act(`/api/gpio/pins/${encodeURIComponent(p.name)}`, { value: p.value === 1 ? 0 : 1 })}>Turn ${p.value === 1 ? 'off' : 'on'}</button>` : ''}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>
    `;
  }
}

customElements.define('smol-gpio', SmolGpio);
declare global {
  interface HTMLElementTagNameMap {
    'smol-gpio': SmolGpio;
  }
}
