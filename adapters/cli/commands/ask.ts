import type { Config } from '../../config/schema.js';
import { ErrorCodes, SmolError, isSmolError } from '../../../core/errors.js';
import { withLocalAgent } from '../local-agent.js';
import { readTokens } from '../../http/auth/tokens.js';
import { readStatusFile } from '../data-dir.js';
import { emit, type Output } from '../output.js';

interface AskResult {
  readonly answer: string;
  readonly model: string;
  readonly via: 'running node' | 'journal';
  readonly toolCalls?: number;
}

/**
 * `smollama ask "…"`: asks this node's agent. When the node is running (its journal is locked) the
 * question goes to its OpenAI-compatible API; otherwise the agent runs here on the journal.
 * Throws SMOL_LLM_UNREACHABLE when no model answers.
 */
export async function runAsk(config: Config, question: string, json: boolean, output: Output): Promise<number> {
  let result: AskResult;
  try {
    result = await askHere(config, question);
  } catch (err) {
    if (!isSmolError(err, ErrorCodes.ALREADY_RUNNING)) throw err;
    result = await askRunning(config, question);
  }
  emit(output, json, result, () => result.answer);
  return 0;
}

async function askHere(config: Config, question: string): Promise<AskResult> {
  return withLocalAgent(config, async (services) => {
    const a = await services.agent.ask(question, { via: 'cli' });
    return { answer: a.answer, model: a.model, via: 'journal', toolCalls: a.toolCalls };
  });
}

async function askRunning(config: Config, question: string): Promise<AskResult> {
  const status = await readStatusFile(config.dataDir);
  if (!status?.http) throw new SmolError(ErrorCodes.ALREADY_RUNNING, `a node is running on ${config.dataDir} but its API address is not known yet; try again`);
  const tokens = await readTokens(config.dataDir);
  const res = await fetch(new URL('v1/chat/completions', status.http), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tokens ? { authorization: `Bearer ${tokens.admin}` } : {}) },
    body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
  }).catch((err: unknown) => {
    throw new SmolError(ErrorCodes.LLM_UNREACHABLE, `cannot reach the running node at ${status.http}: ${(err as Error).message}`);
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string | null } }>; model?: string; error?: { code?: string; message?: string } };
  if (!res.ok) {
    const code = Object.values(ErrorCodes).find((c) => c === body.error?.code) ?? ErrorCodes.LLM_UNREACHABLE;
    throw new SmolError(code, body.error?.message ?? `HTTP ${res.status}`);
  }
  return { answer: body.choices?.[0]?.message?.content ?? '', model: body.model ?? config.llm.model, via: 'running node' };
}
