import { html, type TemplateResult } from 'lit';

/** What the chat says when the node cannot get an answer from its model: what happened and how to fix it. */
export interface LlmHelp {
  readonly title: string;
  readonly steps: readonly TemplateResult[];
}

/**
 * Help for an agent error (SMOL_LLM_UNREACHABLE, SMOL_LLM_TIMEOUT; a 404 from the model server is
 * a model that is not installed), or undefined for other errors. `model` and `provider` come from
 * the chat stream's start event; without them the steps name the setting instead.
 */
export function llmHelp(e: { code: string; message: string; status?: number | undefined }, model: string, provider: string): LlmHelp | undefined {
  const ollama = provider === '' || provider === 'ollama';
  const name = model || '<llm.model>';
  const doctor = html`Run <code>smollama doctor</code> on the node: it checks the model server, the model and the settings.`;
  if (e.code === 'SMOL_LLM_UNREACHABLE' && (e.status === 404 || /not found|try pulling/i.test(e.message))) {
    return {
      title: `The model ${name} is not installed on the model server.`,
      steps: ollama
        ? [html`Install it on the node: <code>ollama pull ${name}</code>, then ask again.`, html`Or set <code>llm.model</code> in the node's config to a model that <code>ollama list</code> shows.`, doctor]
        : [html`Load ${name} in the OpenAI-compatible server, or set <code>llm.model</code> to one it serves.`, doctor],
    };
  }
  if (e.code === 'SMOL_LLM_UNREACHABLE') {
    return {
      title: 'The node cannot reach its model server.',
      steps: ollama
        ? [html`Start Ollama on the node: <code>sudo systemctl start ollama</code> (installed as a service) or <code>ollama serve</code>.`, html`Make sure the model is there: <code>ollama pull ${name}</code>.`, doctor]
        : [html`Start the OpenAI-compatible server the node is set to (<code>llm.host</code>).`, doctor],
    };
  }
  if (e.code === 'SMOL_LLM_TIMEOUT') {
    return {
      title: `The model ${name} did not answer in time.`,
      steps: [
        html`The first question after a start loads the model, which takes a while on a Pi: ask again.`,
        html`If it keeps happening, try a smaller model or raise <code>llm.timeoutMs</code> in the node's config.`,
        doctor,
      ],
    };
  }
  return undefined;
}
