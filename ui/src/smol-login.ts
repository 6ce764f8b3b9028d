import { LitElement, html } from 'lit';
import { ApiError, api } from './api.js';
import { shared } from './styles.js';

/** Asks for the node's API token (from `smollama status`) and trades it for a login cookie. */
export class SmolLogin extends LitElement {
  static override properties = { error: { state: true } };
  static override styles = shared;
  error = '';

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const input = this.renderRoot.querySelector('input') as HTMLInputElement;
    try {
      await api('/api/login', { method: 'POST', body: { token: input.value.trim() } });
      this.dispatchEvent(new CustomEvent('logged-in', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = err instanceof ApiError && err.code === 'SMOL_AUTH_INVALID' ? 'That is not a token of this node.' : String((err as Error).message);
    }
  }

  override render() {
    return html`
      <div class="card" style="max-width: 460px">
        <h2>Log in</h2>
        <p class="muted">This node needs its API token when you are not on the node itself. Run <code>smollama status</code> on the node to see it.</p>
        <form class="row" @submit=${this.submit}>
          <input type="password" name="token" aria-label="API token" autocomplete="current-password" placeholder="smol_admin_… or smol_read_…" style="flex: 1; min-width: 12rem" />
          <button type="submit">Log in</button>
        </form>
        ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      </div>
    `;
  }
}

customElements.define('smol-login', SmolLogin);
declare global {
  interface HTMLElementTagNameMap {
    'smol-login': SmolLogin;
  }
}
