import { LitElement, css, html } from 'lit';
import type { FleetAnswer } from '../../adapters/http/routes/api-overview.js';
import type { FleetNode } from '../../projections/fleet.js';
import { api } from './api.js';
import { ago, formatDuration, sourceLabel, valueParts } from './format.js';
import { nodeHref } from './hash-params.js';
import { JournalStream } from './journal-stream.js';
import { ReloadSoon } from './reload-soon.js';
import { shared } from './styles.js';

/** A clock offset for people: "+1.2 s" (its clock is ahead of ours), "−350 ms". */
function offset(ms: number): string {
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '±';
  const abs = Math.abs(ms);
  if (abs >= 600_000) return `${sign}${formatDuration(abs / 1000)}`;
  return abs >= 10_000 ? `${sign}${Math.round(abs / 1000)} s` : abs >= 1000 ? `${sign}${(abs / 1000).toFixed(1)} s` : `${sign}${Math.round(abs)} ms`;
}

/**
 * Every node a hub holds events of (GET /api/fleet): online, stale or offline by when it was last
 * seen, sync lag, clock offset, a few readings and its latest observation; each links into the
 * readings, observations and journal filtered to that node.
 */
export class SmolFleet extends LitElement {
  static override properties = { fleet: { state: true }, error: { state: true } };
  static override styles = [
    shared,
    css`
      .nodes { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 0.75rem; }
      .node { display: flex; flex-direction: column; gap: 0.35rem; }
      .node[data-status='stale'] { border-color: #d68000; }
      .node[data-status='offline'] { border-color: #c5221f; }
      .readings.old b { font-weight: normal; font-style: italic; }
      .top { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; }
      .top a.name { font-size: 1.1rem; font-weight: 600; color: inherit; }
      .status { margin-left: auto; font-weight: 700; font-size: 0.8rem; padding: 0.1rem 0.5rem; border-radius: 999px; background: #d4f5dd; color: #0d3d1c; }
      [data-status='stale'] .status { background: #ffe2b3; color: #4d2e00; }
      [data-status='offline'] .status { background: #ffd6d3; color: #5c0f0b; }
      dl { display: grid; grid-template-columns: auto 1fr; gap: 0.15rem 0.75rem; margin: 0; font-size: 0.9rem; }
      dt { opacity: 0.7; }
      dd { margin: 0; min-width: 0; }
      .readings { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 0.3rem 0.6rem; font-size: 0.9rem; }
      .readings b { font-variant-numeric: tabular-nums; }
      blockquote { margin: 0; padding-left: 0.6rem; border-left: 3px solid var(--line, #dde2ea); font-size: 0.9rem; }
      .links { display: flex; flex-wrap: wrap; gap: 0.25rem 0.9rem; }
      .links a { min-height: 44px; display: inline-flex; align-items: center; }
      .warn { color: #b3261e; }
      @media (prefers-color-scheme: dark) {
        .status { background: #1d4d2c; color: #e4f7e9; }
        [data-status='stale'] .status { background: #5a3d00; color: #ffe9c2; }
        [data-status='offline'] .status { background: #5c1a16; color: #ffe1de; }
        .warn { color: #ff8a80; }
      }
    `,
  ];
  fleet: FleetAnswer | undefined;
  error = '';
  private readonly reload = new ReloadSoon(this, () => void this.load(), 2000);
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly stream = new JournalStream(this, {
    onEvents: () => this.reload.request(),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    // Statuses age without events (a node that went quiet sends none): ask again every 15 s.
    this.timer = setInterval(() => void this.load(), 15_000);
  }

  override disconnectedCallback(): void {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    try {
      this.fleet = await api<FleetAnswer>('/api/fleet');
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private node(n: FleetNode) {
    const name = n.name ?? `${n.origin.slice(0, 12)}…`;
    const o = n.observation;
    return html`<article class="card node" data-origin=${n.origin} data-status=${n.status} aria-label=${`${name}: ${n.status}`}>
      <div class="top">
        <a class="name" href=${nodeHref('readings', n.origin)} title=${`${name}'s readings`}>${name}</a>
        <span class="badge">${n.role === 'llama' ? 'hub' : n.role === 'alpaca' ? 'edge' : '?'}</span>
        ${n.self ? html`<span class="badge live">this node</span>` : ''}
        <span class="status" data-testid="status">${n.status}${n.stopped ? ' (stopped)' : ''}</span>
      </div>
      <dl>
        <dt>Last seen</dt><dd data-testid="last-seen">${ago(n.lastSeen)}${n.lastSeenBy === 'received' ? html` <span class="muted">(received)</span>` : ''}</dd>
        ${n.self
          ? ''
          : html`<dt>Last sync</dt><dd>${n.lastSyncAt ? ago(n.lastSyncAt) : html`<span class="muted">not directly</span>`}${n.syncLag !== null ? html` · lag ${n.syncLag} event${n.syncLag === 1 ? '' : 's'}` : ''}</dd>
              <dt>Clock</dt><dd data-testid="clock">${n.clockOffsetMs !== null ? offset(n.clockOffsetMs) : n.clockSkew?.active ? '' : '—'}${n.clockSkew?.active ? html` <span class="warn" title="its events are stored but do not move our clock">runs ${offset(n.clockSkew.aheadMs)} ahead</span>` : ''}</dd>`}
        <dt>Events</dt><dd>${n.heldSeq.toLocaleString()} held</dd>
      </dl>
      ${n.readings.length
        ? html`${n.status !== 'online' ? html`<p class="muted" style="margin:0;font-size:0.85rem">Last values, from ${ago(Math.max(...n.readings.map((r) => r.at)))}:</p>` : ''}<ul class="readings ${n.status === 'online' ? '' : 'old'}" aria-label="Key readings">
            ${n.readings.map((r) => {
              const [num, unit] = r.binary ? [r.value >= 0.5 ? 'on' : 'off', ''] : valueParts(r.value, r.unit);
              return html`<li data-source=${r.source}><span class="muted">${sourceLabel(r)}</span><br /><b>${num}</b> ${unit}</li>`;
            })}
          </ul>`
        : html`<p class="muted">No readings.</p>`}
      ${o
        ? html`<blockquote data-testid="observation">${o.text} ${o.method === 'statistical' ? html`<span class="badge sim">statistical</span>` : html`<span class="badge" title=${`written by ${o.model ?? 'the model'}`}>LLM</span>`} <span class="muted">${ago(o.at)}</span></blockquote>`
        : ''}
      <div class="links">
        <a href=${nodeHref('readings', n.origin)}>Readings${n.readingCount > n.readings.length ? ` (${n.readingCount})` : ''}</a>
        <a href=${nodeHref('observations', n.origin)}>Observations</a>
        <a href=${nodeHref('journal', n.origin)}>Journal</a>
      </div>
    </article>`;
  }

  override render() {
    const f = this.fleet;
    const counts = f ? (['online', 'stale', 'offline'] as const).map((s) => `${f.nodes.filter((n) => n.status === s).length} ${s}`).join(' · ') : '';
    return html`
      <h2>Fleet <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${f
        ? html`<p class="muted">${counts}. Online: seen in the last ${formatDuration(f.thresholds.onlineMs / 1000)}; stale: in the last ${formatDuration(f.thresholds.offlineMs / 1000)}; offline: longer ago, or stopped. "Seen" is when this node received its newest event.</p>
            ${f.nodes.length ? html`<div class="nodes">${f.nodes.map((n) => this.node(n))}</div>` : html`<div class="empty">No nodes known yet.</div>`}`
        : html`<p class="muted">Loading…</p>`}
    `;
  }
}

customElements.define('smol-fleet', SmolFleet);
declare global {
  interface HTMLElementTagNameMap {
    'smol-fleet': SmolFleet;
  }
}
