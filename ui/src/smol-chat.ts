import { LitElement, css, html } from 'lit';
import { askAgent, type ToolStep } from './agent-chat-stream.js';
import { shared } from './styles.js';
import { llmHelp } from './llm-help.js';

interface Turn {
  role: 'user' | 'assistant';
  text: string;
  tools: ToolStep[];
  error?: string;
  /** The error's code and the model server's HTTP status, for the help text. */
  errorCode?: string;
  errorStatus?: number;
  done?: boolean;
}

/** Chat with the node's agent: answers stream in as they are written, each tool call shown with its result. */
export class SmolChat extends LitElement {
  static override properties = { turns: { state: true }, busy: { state: true }, model: { state: true }, provider: { state: true } };
  static override styles = [
    shared,
    css`
      .log { display: flex; flex-direction: column; gap: 0.6rem; margin-bottom: 0.75rem; }
      .turn { max-width: 85%; padding: 0.5rem 0.75rem; border-radius: 12px; border: 1px solid var(--line, #dde2ea); background: var(--card, #fff); }
      .turn.user { align-self: flex-end; background: #2f6fed; color: #fff; border-color: #2f6fed; }
      .turn p { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
      .tool { font-size: 0.85rem; margin: 0.25rem 0; }
      .tool summary { cursor: pointer; }
      .tool code { overflow-wrap: anywhere; }
      .badge.failed { background: #f9d7d4; color: #5c1410; }
      .help ul { margin: 0.3rem 0; padding-left: 1.2rem; }
      .help li { margin: 0.2rem 0; }
      .tech { font-size: 0.8rem; opacity: 0.8; }
      .tech summary { cursor: pointer; min-height: 24px; }
      form { display: flex; gap: 0.5rem; }
      form input { flex: 1; min-width: 0; }
      @media (max-width: 640px) { .turn { max-width: 100%; } }
    `,
  ];
  turns: Turn[] = [];
  busy = false;
  model = '';
  provider = '';
  private abort: AbortController | undefined;

  override disconnectedCallback(): void {
    this.abort?.abort();
    super.disconnectedCallback();
  }

  private async send(e: Event): Promise<void> {
    e.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=question]');
    const question = input?.value.trim() ?? '';
    if (!question || this.busy) return;
    if (input) input.value = '';
    // Earlier complete turns go along: the node keeps no chat state, only the journal.
    const history = this.turns.filter((t) => t.done && !t.error).map((t) => ({ role: t.role, content: t.text })).slice(-20);
    const answer: Turn = { role: 'assistant', text: '', tools: [] };
    this.turns = [...this.turns, { role: 'user', text: question, tools: [], done: true }, answer];
    this.busy = true;
    this.abort = new AbortController();
    const changed = () => (this.turns = [...this.turns]);
    try {
      await askAgent(
        question,
        history,
        (ev) => {
          if (ev.event === 'start') {
            this.model = ev.data.model;
            this.provider = ev.data.provider ?? '';
          }
          else if (ev.event === 'delta') answer.text += ev.data.text;
          else if (ev.event === 'tool') answer.tools.push(ev.data);
          else if (ev.event === 'done') {
            answer.text = ev.data.answer;
            answer.done = true;
          } else if (ev.event === 'error') {
            answer.error = ev.data.message;
            answer.errorCode = ev.data.code;
            if (ev.data.status !== undefined) answer.errorStatus = ev.data.status;
          }
          changed();
        },
        this.abort.signal,
      );
      if (!answer.done && !answer.error) answer.error = 'the answer was cut off';
    } catch (err) {
      answer.error = (err as Error).name === 'AbortError' ? 'stopped' : (err as Error).message;
      if ((err as { code?: unknown }).code && typeof (err as { code?: unknown }).code === 'string') answer.errorCode = (err as { code: string }).code;
    } finally {
      this.busy = false;
      this.abort = undefined;
      changed();
    }
  }

  private renderTool(step: ToolStep) {
    const args = JSON.stringify(step.arguments);
    const outcome = step.ok ? JSON.stringify(step.result, null, 2) : `${step.error?.code ?? 'error'}: ${step.error?.message ?? ''}`;
    return html`<details class="tool" data-testid="tool-call">
      <summary><span class="badge ${step.ok ? '' : 'failed'}">${step.ok ? 'tool' : 'tool failed'}</span> <code>${step.name}(${args})</code></summary>
      <pre>${outcome}</pre>
    </details>`;
  }

  /** A model that cannot be reached says how to fix it; the code and the raw message stay, small. */
  private renderError(t: Turn) {
    const help = t.errorCode ? llmHelp({ code: t.errorCode, message: t.error ?? '', status: t.errorStatus }, this.model, this.provider) : undefined;
    if (!help) return html`<p class="error">${t.errorCode ? `${t.errorCode}: ` : ''}${t.error}</p>`;
    return html`<div class="help" role="alert" data-testid="llm-help" data-code=${t.errorCode ?? ''}>
      <p class="error"><strong>${help.title}</strong></p>
      <ul>${help.steps.map((s) => html`<li>${s}</li>`)}</ul>
      <details class="tech"><summary><code>${t.errorCode}</code></summary><code>${t.error}</code></details>
    </div>`;
  }

  override render() {
    return html`
      <h2>Agent chat ${this.model ? html`<span class="badge">${this.model}</span>` : ''}</h2>
      <div class="log">
        ${this.turns.length === 0 ? html`<div class="empty">Ask this node about its sensors, memories and observations.</div>` : ''}
        ${this.turns.map(
          (t) => html`<div class="turn ${t.role}" data-role=${t.role}>
            ${t.tools.map((s) => this.renderTool(s))}
            ${t.text || t.role === 'user' ? html`<p data-testid=${t.role === 'assistant' ? 'answer' : 'question'}>${t.text}</p>` : ''}
            ${t.role === 'assistant' && !t.done && !t.error ? html`<span class="muted">…</span>` : ''}
            ${t.error ? this.renderError(t) : ''}
          </div>`,
        )}
      </div>
      <form @submit=${(e: Event) => void this.send(e)}>
        <input name="question" aria-label="Your question" placeholder="Ask the agent…" autocomplete="off" ?disabled=${this.busy} />
        ${this.busy ? html`<button type="button" @click=${() => this.abort?.abort()}>Stop</button>` : html`<button type="submit">Send</button>`}
      </form>
    `;
  }
}

customElements.define('smol-chat', SmolChat);
declare global {
  interface HTMLElementTagNameMap {
    'smol-chat': SmolChat;
  }
}
