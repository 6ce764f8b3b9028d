import { ErrorCodes, SmolError } from '../errors.js';
import type { JsonSchema } from '../llm/llm-port.js';
import { READ_ONLY_TOOLS } from './read-only.js';
import type { ToolOutcome, ToolRegistry } from './registry.js';

/** The channels a person (or a script) calls a tool through, without a model. */
export type DirectVia = 'cli' | 'api' | 'mqtt';

/** One tool as `GET /api/tools` and `smollama tool` list it. */
export interface ToolInfo {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of its arguments (the one the model gets). */
  readonly parameters: JsonSchema;
  /** Changes nothing outside the call: a read-only caller may use it. */
  readonly readOnly: boolean;
}

/** Every registered tool with its JSON Schema. */
export function listTools(tools: ToolRegistry): ToolInfo[] {
  return tools.specs().map((s) => ({ name: s.name, description: s.description, parameters: s.parameters, readOnly: READ_ONLY_TOOLS.has(s.name) }));
}

export interface DirectCallOptions {
  readonly via: DirectVia;
  /** Which tools this caller may use (default: all); a refused one is SMOL_FORBIDDEN. */
  readonly allowTool?: (name: string) => boolean;
  readonly signal?: AbortSignal;
  /** Runs once the call is checked, before anything is journaled: may throw to refuse it (the API: a full disk). */
  readonly beforeRun?: () => void;
}

/**
 * Runs one tool on a person's behalf, journaled like the agent's calls (the same ToolRegistry.call:
 * `tool.called` / `tool.completed`, caller `{kind: via, via}`). Unlike the agent's calls, a call the
 * caller got wrong journals nothing: the tool, the caller's right to it and the arguments are checked
 * first. Throws SMOL_TOOL_UNKNOWN, SMOL_FORBIDDEN, SMOL_TOOL_ARGS_INVALID (details.issues names the
 * fields), and whatever the journal throws (SMOL_DISK_FULL, SMOL_DISK_LOW: tool calls are low-value
 * writes). A tool that runs and fails is an outcome with `ok: false`, journaled.
 */
export async function callToolDirectly(tools: ToolRegistry, name: string, args: unknown, options: DirectCallOptions): Promise<ToolOutcome> {
  tools.require(name);
  if (options.allowTool && !options.allowTool(name)) {
    throw new SmolError(ErrorCodes.FORBIDDEN, `${name} changes something; ${options.via === 'mqtt' ? 'MQTT callers may use read-only tools only (mqtt.tools.tools: all allows every tool)' : 'it needs the admin token'}`);
  }
  tools.check(name, args);
  options.beforeRun?.();
  // Registers are scratch space of one conversation; a direct call is a conversation of one call.
  return tools.call(name, args, { caller: { kind: options.via, via: options.via }, registers: new Map(), ...(options.signal ? { signal: options.signal } : {}) });
}

/** The error a failed outcome stands for, with the call id (to find it in the journal). */
export function outcomeError(outcome: Extract<ToolOutcome, { ok: false }>): SmolError {
  const known = (Object.values(ErrorCodes) as string[]).includes(outcome.error.code);
  return new SmolError(known ? (outcome.error.code as SmolError['code']) : ErrorCodes.TOOL_FAILED, outcome.error.message, { details: { callId: outcome.callId } });
}
