import { LitElement, css, html, type TemplateResult } from 'lit';
import { AUTH_REQUIRED_EVENT, api } from './api.js';
import './smol-login.js';
import './smol-overview.js';
import './smol-readings.js';
import './smol-observations.js';
import './smol-memories.js';
import './smol-journal.js';
import './smol-nodes.js';
import './smol-gpio.js';
import './smol-cameras.js';
import './smol-devices.js';
import './smol-chat.js';
import './smol-fleet.js';

const PAGES: ReadonlyArray<[string, string, () => TemplateResult]> = [
  ['overview', 'Overview', () => html`<smol-overview></smol-overview>`],
  ['readings', 'Readings', () => html`<smol-readings></smol-readings>`],
  ['observations', 'Observations', () => html`<smol-observations></smol-observations>`],
  ['memories', 'Memories', () => html`<smol-memories></smol-memories>`],
  ['journal', 'Journal', () => html`<smol-journal></smol-journal>`],
  ['nodes', 'Nodes & sync', () => html`<smol-nodes></smol-nodes>`],
  ['fleet', 'Fleet', () => html`<smol-fleet></smol-fleet>`],
  ['chat', 'Chat', () => html`<smol-chat></smol-chat>`],
  ['cameras', 'Cameras', () => html`<smol-cameras></smol-cameras>`],
  ['devices', 'Devices', () => html`<smol-devices></smol-devices>`],
  ['gpio', 'GPIO', () => html`<smol-gpio></smol-gpio>`],
];
/** Pages listed in the navigation only on a hub (node.role llama); their address works on any node. */
const HUB_PAGES: ReadonlySet<string> = new Set(['fleet']);

/** The page shell: navigation by URL hash (#/readings), and the login form when the node asks for one. */
export class SmolApp extends LitElement {
  static override properties = { page: { state: true }, needLogin: { state: true }, name: { state: true }, menuOpen: { state: true }, nodeRole: { state: true } };
  page = 'overview';
  /** On a phone the sections are behind a menu button; this says whether the list is shown. */
  menuOpen = false;
  needLogin = false;
  name = '';
  /** The node's role from /api/health: a hub (llama) lists the fleet. */
  nodeRole = '';

  static override styles = css`
    :host { display: block; min-height: 100vh; }
    header { display: flex; align-items: center; gap: 1rem; padding: 0.4rem 1rem; background: #1f3b73; color: #fff; position: sticky; top: 0; z-index: 3; }
    header strong { font-size: 1.05rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
    nav { display: flex; flex-wrap: wrap; gap: 0.25rem; }
    nav a { color: #dfe7ff; text-decoration: none; padding: 0 0.6rem; border-radius: 7px; white-space: nowrap; min-height: 44px; display: inline-flex; align-items: center; }
    nav a[aria-current='page'] { background: rgba(255, 255, 255, 0.18); color: #fff; }
    a:focus-visible, button:focus-visible { outline: 2px solid #fff; outline-offset: 2px; }
    .menu { display: none; margin-left: auto; font: inherit; color: #fff; background: transparent; border: 1px solid rgba(255, 255, 255, 0.5); border-radius: 8px; min-height: 44px; min-width: 44px; padding: 0 0.8rem; cursor: pointer; }
    main { padding: 1rem; max-width: 1100px; margin: 0 auto; }
    @media (max-width: 640px) {
      header { flex-wrap: wrap; gap: 0.4rem; padding: 0.4rem 0.6rem; }
      .menu { display: inline-flex; align-items: center; gap: 0.4rem; }
      nav { display: none; flex-basis: 100%; flex-direction: column; padding-bottom: 0.4rem; }
      nav.open { display: flex; }
      nav a { font-size: 1.05rem; }
      main { padding: 0.6rem; }
    }
  `;

  private readonly onHash = () => this.route();
  private readonly onAuth = () => (this.needLogin = true);

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener(AUTH_REQUIRED_EVENT, this.onAuth);
    this.route();
    void this.start();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener(AUTH_REQUIRED_EVENT, this.onAuth);
    super.disconnectedCallback();
  }

  private async start(): Promise<void> {
    // A link like http://pi:8080/#token=… logs in once and forgets the token from the address bar.
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      history.replaceState(null, '', location.pathname + '#/overview');
      await api('/api/login', { method: 'POST', body: { token: decodeURIComponent(m[1]!) } }).catch(() => undefined);
      this.route();
    }
    const who = await api<{ scope: string | null }>('/api/whoami');
    this.needLogin = who.scope === null;
    const health = await api<{ node: { name: string; role: string } }>('/api/health').catch(() => undefined);
    this.name = health?.node.name ?? '';
    this.nodeRole = health?.node.role ?? '';
  }

  private route(): void {
    const name = location.hash.replace(/^#\/?/, '').split(/[/?&]/)[0] ?? '';
    this.page = PAGES.some(([p]) => p === name) ? name : 'overview';
  }

  override render() {
    const current = PAGES.find(([p]) => p === this.page) ?? PAGES[0]!;
    return html`
      <header>
        <strong>Smollama${this.name ? html` · ${this.name}` : ''}</strong>
        <button class="menu" aria-expanded=${this.menuOpen ? 'true' : 'false'} aria-controls="sections" @click=${() => (this.menuOpen = !this.menuOpen)}>
          <span aria-hidden="true">☰</span> ${current[1]}
        </button>
        <nav id="sections" aria-label="Sections" class=${this.menuOpen ? 'open' : ''}>
          ${PAGES.filter(([p]) => !HUB_PAGES.has(p) || this.nodeRole === 'llama' || p === this.page).map(([p, label]) => html`<a href="#/${p}" aria-current=${p === this.page ? 'page' : 'false'} @click=${() => (this.menuOpen = false)}>${label}</a>`)}
        </nav>
      </header>
      <main>
        ${this.needLogin
          ? html`<smol-login @logged-in=${() => {
              this.needLogin = false;
              void this.start();
            }}></smol-login>`
          : current[2]()}
      </main>
    `;
  }
}

customElements.define('smol-app', SmolApp);
declare global {
  interface HTMLElementTagNameMap {
    'smol-app': SmolApp;
  }
}
