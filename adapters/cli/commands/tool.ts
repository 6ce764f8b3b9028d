import type { Config } from '../../config/schema.js';
import { ErrorCodes, SmolError, isSmolError, type ErrorCode } from '../../../core/errors.js';
import type { JsonSchema } from '../../../core/llm/llm-port.js';
import { callToolDirectly, listTools, outcomeError, type ToolInfo } from '../../../core/tools/direct-call.js';
import { readTokens } from '../../http/auth/tokens.js';
import { CLIENT_HEADER } from '../../http/routes/api-tools.js';
import { findRunningNode } from '../remote-node.js';
import { withLocalAgent } from '../local-agent.js';
import { emit, type Output } from '../output.js';

/** What `smollama tool` was asked: a tool and its arguments, or (no name) the list of tools. */
export interface ToolCommand {
  readonly name: string | undefined;
  /** The arguments as one JSON object (the positional after the name). */
  readonly argsJson: string | undefined;
  /** `--arg key=value`, applied over argsJson. */
  readonly pairs: readonly string[];
  readonly json: boolean;
}

interface ToolAnswer {
  readonly callId: string;
  readonly tool: string;
  readonly result: unknown;
}

/** Where the call ran: through the running node's API, or here on its journal. */
type Where = 'running node' | 'journal';

const usage = (message: string) => new SmolError(ErrorCodes.CLI_USAGE, message);

/**
 * The arguments of a call from the command line: a JSON object, then each `--arg key=value` over it.
 * A value is taken as JSON (`17`, `true`, `[1,2]`, `"17"`) unless the tool's schema says the field is
 * a string, or it is not JSON (`hello` is the string "hello"). Throws SMOL_CLI_USAGE.
 */
export function commandLineArgs(argsJson: string | undefined, pairs: readonly string[], schema: JsonSchema | undefined): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  if (argsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(argsJson);
    } catch {
      throw usage(`the arguments must be a JSON object, e.g. '{"source": "system.cpu_temp"}'; got ${JSON.stringify(argsJson.slice(0, 80))}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usage('the arguments must be a JSON object, e.g. \'{"source": "system.cpu_temp"}\'');
    args = { ...(parsed as Record<string, unknown>) };
  }
  const properties = (schema?.['properties'] ?? {}) as Record<string, { type?: unknown } | undefined>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`--arg expects KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const type = properties[key]?.type;
    const wantsString = type === 'string' || (Array.isArray(type) && type.length === 1 && type[0] === 'string');
    args[key] = wantsString ? raw : asJson(raw);
  }
  return args;
}

function asJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * `smollama tool NAME [ARGS_JSON] [--arg KEY=VALUE]…`: calls one of the node's tools directly,
 * without a model, journaled with `via: cli`. While the node runs (its journal is locked) the call
 * goes to its API (`POST /api/tools/NAME`, admin token from the data directory); otherwise it runs
 * here on the journal, with the tools that need no running node (GPIO and MQTT tools do).
 * Without a NAME, lists the tools. Throws SMOL_TOOL_UNKNOWN, SMOL_TOOL_ARGS_INVALID (naming the
 * field), SMOL_CLI_USAGE, or the tool's own error code.
 */
export async function runTool(config: Config, cmd: ToolCommand, output: Output): Promise<number> {
  try {
    await withLocalAgent(config, async (services) => {
      if (cmd.name === undefined) return printList(listTools(services.tools), cmd.json, output, 'journal');
      const args = commandLineArgs(cmd.argsJson, cmd.pairs, services.tools.get(cmd.name) ? services.tools.specs([cmd.name])[0]?.parameters : undefined);
      const outcome = await callToolDirectly(services.tools, cmd.name, args, { via: 'cli' }).catch((err: unknown) => {
        if (isSmolError(err, ErrorCodes.TOOL_UNKNOWN)) {
          throw new SmolError(ErrorCodes.TOOL_UNKNOWN, `no tool named "${cmd.name}" here: the node is not running, and GPIO and MQTT tools need it (smollama start); tools here: ${services.tools.names().join(', ')}`);
        }
        throw err;
      });
      if (!outcome.ok) throw outcomeError(outcome);
      printAnswer({ callId: outcome.callId, tool: cmd.name, result: outcome.result ?? null }, cmd.json, output, 'journal');
    });
  } catch (err) {
    if (!isSmolError(err, ErrorCodes.ALREADY_RUNNING)) throw err;
    await onRunningNode(config, cmd, output);
  }
  return 0;
}

async function onRunningNode(config: Config, cmd: ToolCommand, output: Output): Promise<void> {
  const api = await runningApi(config);
  const list = await api<{ tools: ToolInfo[] }>('GET', 'api/tools');
  if (cmd.name === undefined) return printList(list.tools, cmd.json, output, 'running node');
  const args = commandLineArgs(cmd.argsJson, cmd.pairs, list.tools.find((t) => t.name === cmd.name)?.parameters);
  const answer = await api<ToolAnswer>('POST', `api/tools/${encodeURIComponent(cmd.name)}`, args);
  printAnswer(answer, cmd.json, output, 'running node');
}

/**
 * A JSON client of the running node's API (address from status.json, as the journal commands find
 * it) with the admin token: the data directory's owner is the node's operator, and a tool that
 * writes needs it. Throws the node's error codes, SMOL_NODE_UNREACHABLE when it does not answer.
 */
async function runningApi(config: Config): Promise<<T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>> {
  const node = await findRunningNode(config.dataDir);
  const token = (await readTokens(config.dataDir))?.admin ?? node.token;
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(new URL(path, node.url), {
      method,
      headers: { authorization: `Bearer ${token}`, [CLIENT_HEADER]: 'cli', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).catch((err: unknown) => {
      throw new SmolError(ErrorCodes.NODE_UNREACHABLE, `cannot reach the node running on pid ${node.pid} at ${node.url}: ${(err as Error).message}`);
    });
    const answer = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (!res.ok) {
      const code = (Object.values(ErrorCodes) as string[]).includes(answer.error?.code ?? '') ? (answer.error!.code as ErrorCode) : ErrorCodes.INTERNAL;
      throw new SmolError(code, answer.error?.message ?? `HTTP ${res.status}`, answer.error?.details ? { details: answer.error.details } : undefined);
    }
    return answer as T;
  };
}

function printAnswer(answer: ToolAnswer, json: boolean, output: Output, via: Where): void {
  emit(output, json, { ...answer, via }, () => (typeof answer.result === 'string' ? answer.result : JSON.stringify(answer.result, null, 2)));
}

function printList(tools: readonly ToolInfo[], json: boolean, output: Output, via: Where): void {
  emit(output, json, { tools, via }, () => tools.map((t) => `${t.name.padEnd(22)} ${t.readOnly ? 'read ' : 'write'}  ${t.description}`).join('\n'));
}
