import { LitElement, css, html } from 'lit';
import type { DeviceSourceStatus, DeviceStatus } from '../../adapters/http/routes/api-devices.js';
import type { OutputInfo } from '../../core/devices/device-port.js';
import { ApiError, api } from './api.js';
import { ago, formatDuration, formatValue } from './format.js';
import { JournalStream } from './journal-stream.js';
import { ReloadSoon } from './reload-soon.js';
import { shared } from './styles.js';

type Output = OutputInfo & { readonly label?: string };

/** A refusal or failure of one output's write, as the node coded it. */
interface WriteError {
  code: string;
  message: string;
}

/** The value a source shows: on/off for a 0/1 source, else in human units. */
function shown(s: DeviceSourceStatus): string {
  if (s.value === undefined) return '—';
  if (s.binary) return s.value >= 0.5 ? 'on' : 'off';
  return formatValue(s.value, s.unit);
}

/**
 * Each configured device (sensors.devices) with its platform, last readings and read errors, and
 * the node's outputs with controls for an admin (switch, PWM slider, display text). Refreshed
 * from the journal stream (readings, output writes) without a reload.
 */
export class SmolDevices extends LitElement {
  static override properties = {
    devices: { state: true },
    outputs: { state: true },
    canWrite: { state: true },
    busy: { state: true },
    errors: { state: true },
    loadError: { state: true },
  };
  static override styles = [
    shared,
    css`
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); gap: 0.75rem; margin-bottom: 1.25rem; }
      .card h3 { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
      .state-failing, .state-not-set-up { background: #fde2df; color: #7a1710; }
      .state-reading { background: #d4f5dd; color: #134a22; }
      dl { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 0.25rem 0.75rem; margin: 0.5rem 0; }
      dt { overflow-wrap: break-word; min-width: 0; }
      dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
      dd small { display: block; opacity: 0.7; }
      .problem { font-size: 0.85rem; }
      .control { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.5rem; }
      .control label { display: flex; flex-direction: column; gap: 0.2rem; flex: 1 1 12rem; min-width: 0; }
      input[type='range'] { width: 100%; padding: 0; }
      input[type='text'] { width: 100%; box-sizing: border-box; }
      button[role='switch'] { min-width: 5.5rem; }
      button[role='switch'][aria-checked='true'] { background: #1d7a3a; color: #fff; border-color: #1d7a3a; }
      .refused { margin: 0.5rem 0 0; padding: 0.4rem 0.6rem; border-radius: 8px; background: #fde2df; color: #7a1710; font-size: 0.9rem; }
      @media (prefers-color-scheme: dark) {
        .state-failing, .state-not-set-up, .refused { background: #5b1d18; color: #ffd9d4; }
        .state-reading { background: #1d4d2c; color: #d9f7e0; }
      }
    `,
  ];
  devices: DeviceStatus[] | undefined;
  outputs: Output[] = [];
  canWrite = false;
  busy = new Set<string>();
  errors = new Map<string, WriteError>();
  loadError = '';
  /** Readings come every few seconds: one reload per second at most. */
  private readonly reload = new ReloadSoon(this, () => void this.load(), 1000);
  private readonly stream = new JournalStream(this, { types: ['reading.sampled', 'output.written', 'source.registered'], onEvents: () => this.reload.request() });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    void api<{ scope: string | null }>('/api/whoami').then((w) => (this.canWrite = w.scope === 'admin')).catch(() => undefined);
  }

  private async load(): Promise<void> {
    try {
      const [d, o] = await Promise.all([api<{ devices: DeviceStatus[] }>('/api/devices'), api<{ outputs: Output[] }>('/api/outputs')]);
      this.devices = d.devices;
      this.outputs = o.outputs;
      this.loadError = '';
    } catch (err) {
      this.loadError = (err as Error).message;
    }
  }

  /** A slider the node refused goes back to the output's level (Lit would not reset an unchanged binding). */
  private async slide(o: Output, input: HTMLInputElement, pct: number): Promise<void> {
    if (!(await this.write(o, Number(input.value) / 100))) input.value = String(pct);
  }

  /** Writes one output; false when the node refused or failed (the reason is shown by the output). */
  private async write(o: Output, value: number | string): Promise<boolean> {
    this.busy = new Set(this.busy).add(o.name);
    const errors = new Map(this.errors);
    errors.delete(o.name);
    try {
      const r = await api<{ output?: Output }>(`/api/outputs/${encodeURIComponent(o.name)}`, { method: 'POST', body: { value } });
      if (r.output) this.outputs = this.outputs.map((x) => (x.name === o.name ? r.output! : x));
      return true;
    } catch (err) {
      errors.set(o.name, err instanceof ApiError ? { code: err.code, message: err.message } : { code: 'SMOL_HTTP', message: (err as Error).message });
      return false;
    } finally {
      const busy = new Set(this.busy);
      busy.delete(o.name);
      this.busy = busy;
      this.errors = errors;
    }
  }

  private device(d: DeviceStatus) {
    const stateText = d.state === 'not-set-up' ? 'not set up' : d.state;
    return html`<section class="card" data-device=${d.name} aria-label="Device ${d.name}">
      <h3>${d.name} <span class="badge">${d.platform}</span> <span class="badge state-${d.state}" data-testid="device-state">${stateText}</span></h3>
      ${d.intervalMs !== undefined ? html`<div class="muted">read every ${formatDuration(d.intervalMs / 1000)}</div>` : html`<div class="muted">reports when something happens</div>`}
      ${d.sources.length === 0
        ? html`<p class="muted">No sources yet${d.problem ? ' (it is retried)' : ''}.</p>`
        : html`<dl>
            ${d.sources.map(
              (s) => html`<dt>${s.label ?? s.source}${s.label ? html` <code class="muted">${s.source}</code>` : ''}</dt>
                <dd data-source=${s.source}>${shown(s)}<small>${ago(s.at)}</small></dd>`,
            )}
          </dl>`}
      ${d.errors.count > 0 || d.problem
        ? html`<div class="problem" data-testid="read-errors">
            ${d.errors.count > 0 ? html`<div>${d.errors.count} failed read${d.errors.count === 1 ? '' : 's'}</div>` : ''}
            ${d.errors.last
              ? html`<div class="error"><code>${d.errors.last.code}</code> ${ago(d.errors.last.atMs)}: <span class="id">${d.errors.last.message}</span></div>`
              : d.problem
                ? html`<div class="error"><code>${d.problem.code}</code>: <span class="id">${d.problem.message}</span></div>`
                : html`<div class="muted">reading again</div>`}
          </div>`
        : ''}
    </section>`;
  }

  private control(o: Output) {
    const busy = this.busy.has(o.name);
    if (!this.canWrite) return '';
    const id = `out-${o.name}`;
    switch (o.kind) {
      case 'switch': {
        const on = o.value === 1 || o.value === 'on';
        return html`<div class="control"><button role="switch" aria-checked=${on ? 'true' : 'false'} aria-label="${o.label ?? o.name}" ?disabled=${busy} @click=${() => this.write(o, on ? 0 : 1)}>${on ? 'On' : 'Off'}</button></div>`;
      }
      case 'pwm': {
        const pct = Math.round((typeof o.value === 'number' ? o.value : 0) * 100);
        return html`<div class="control"><label for=${id}>Level ${pct} %<input id=${id} type="range" min="0" max="100" step="1" .value=${String(pct)} ?disabled=${busy} @change=${(e: Event) => this.slide(o, e.target as HTMLInputElement, pct)} /></label></div>`;
      }
      default: {
        const send = (e: Event) => {
          e.preventDefault();
          const input = (e.target as HTMLFormElement).elements.namedItem('value') as HTMLInputElement;
          const text = input.value;
          void this.write(o, o.kind === 'number' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text.replace(/\\n/g, '\n'));
        };
        return html`<form class="control" @submit=${send}>
          <label for=${id}>${o.kind === 'text' ? 'Text (\\n for a new line)' : 'Number'}<input id=${id} name="value" type="text" autocomplete="off" .value=${o.value === undefined ? '' : String(o.value).replace(/\n/g, '\\n')} /></label>
          <button type="submit" ?disabled=${busy}>Show</button>
        </form>`;
      }
    }
  }

  private output(o: Output) {
    const err = this.errors.get(o.name);
    const value = o.value === undefined ? '—' : o.kind === 'switch' ? (o.value === 1 || o.value === 'on' ? 'on' : 'off') : o.kind === 'pwm' && typeof o.value === 'number' ? `${Math.round(o.value * 100)} %` : String(o.value);
    return html`<section class="card" data-output=${o.name} aria-label="Output ${o.label ?? o.name}">
      <h3>${o.label ?? o.name} <span class="badge">${o.platform}</span>${o.kind !== o.platform ? html` <span class="badge">${o.kind}</span>` : ''}</h3>
      <div>Now: <strong data-testid="output-value">${value}</strong></div>
      ${this.control(o)}
      ${err
        ? html`<p class="refused" role="alert" data-testid="output-error">${err.code === 'SMOL_OUTPUT_NOT_ALLOWED' ? 'Refused' : 'Failed'}: ${err.message} <code>${err.code}</code></p>`
        : ''}
    </section>`;
  }

  override render() {
    const d = this.devices;
    return html`
      <h2>Devices <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : ''}
      ${!d
        ? html`<p class="muted">Loading…</p>`
        : d.length === 0
          ? html`<div class="empty">No devices configured. Declare sensors under <code>sensors.devices</code> in the config (platform, name; see docs/devices.md).</div>`
          : html`<div class="grid">${d.map((x) => this.device(x))}</div>`}
      <h2>Outputs</h2>
      ${this.outputs.length === 0
        ? html`<div class="empty">No outputs configured. List what the node may drive under <code>outputs</code> in the config (see docs/outputs.md).</div>`
        : html`${this.canWrite ? '' : html`<p class="muted">Log in with the admin token to drive the outputs.</p>`}
            <div class="grid">${this.outputs.map((o) => this.output(o))}</div>`}
    `;
  }
}

customElements.define('smol-devices', SmolDevices);
declare global {
  interface HTMLElementTagNameMap {
    'smol-devices': SmolDevices;
  }
}
