import { LitElement, html } from 'lit';
import { api } from './api.js';
import { JournalStream } from './journal-stream.js';
import { shared } from './styles.js';
import { timeOf, type NodeInfo } from './types.js';

/** Every known node: identity, status, heads, what we hold of it, seals and clock jumps. */
export class SmolNodes extends LitElement {
  static override properties = { nodes: { state: true }, vector: { state: true }, error: { state: true } };
  static override styles = shared;
  nodes: NodeInfo[] = [];
  vector: Record<string, number> = {};
  error = '';
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly stream = new JournalStream(this, {
    onEvents: () =>
      (this.pending ??= setTimeout(() => {
        this.pending = undefined;
        void this.load();
      }, 2000)),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    clearTimeout(this.pending);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    try {
      const r = await api<{ nodes: NodeInfo[]; vector: Record<string, number> }>('/api/nodes');
      this.nodes = r.nodes;
      this.vector = r.vector;
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    return html`
      <h2>Nodes <span class="badge ${this.stream.status === 'live' ? 'live' : ''}">${this.stream.status}</span></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.nodes.length === 0
        ? html`<div class="empty">No nodes known yet.</div>`
        : html`<div class="scroll"><table>
            <thead><tr><th>Name</th><th>Role</th><th>Status</th><th>Events held</th><th>Sealed</th><th>Last seen</th><th>Clock jumps</th><th>Id</th></tr></thead>
            <tbody>
              ${this.nodes.map(
                (n) => html`<tr>
                  <td>${n.name ?? '?'} ${n.self ? html`<span class="badge live">this node</span>` : ''}</td>
                  <td>${n.role ?? '?'}</td>
                  <td>${n.status}</td>
                  <td>${n.heldSeq}</td>
                  <td>${n.sealedSeq ?? '—'}</td>
                  <td>${timeOf(n.lastSeen)}</td>
                  <td>${n.clockJumps}</td>
                  <td class="muted">${n.origin}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
      <h3 style="margin-top:1rem">Version vector</h3>
      <pre>${JSON.stringify(this.vector, null, 2)}</pre>
    `;
  }
}

customElements.define('smol-nodes', SmolNodes);
declare global {
  interface HTMLElementTagNameMap {
    'smol-nodes': SmolNodes;
  }
}
