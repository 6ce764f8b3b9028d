import { z } from 'zod';
import { ErrorCodes, SmolError, isSmolError } from '../errors.js';
import type { EventDraft } from '../events/event.js';
import type { EventDataMap } from '../events/core-events.js';
import type { LlmToolSpec, JsonSchema } from '../llm/llm-port.js';
import type { Tool, ToolContext } from './tool.js';

/** The outcome of one call, as the caller (and the model) sees it. */
export type ToolOutcome =
  | { readonly ok: true; readonly callId: string; readonly result: unknown }
  | { readonly ok: false; readonly callId: string; readonly error: { readonly code: string; readonly message: string } };

export interface ToolRegistryDeps {
  readonly journal: { append(drafts: readonly EventDraft[]): Promise<unknown> };
  readonly now?: () => number;
  readonly newId: () => string;
  /** Results larger than this (JSON characters) are journaled as a preview (default 8,000). */
  readonly maxJournaledResult?: number;
}

/**
 * The tools a node offers. Every call is journaled: `tool.called` with the arguments and the caller
 * before it runs, `tool.completed` with the result or error code and the duration after. A call
 * never throws for the tool's sake (unknown tool, bad arguments, failure): the outcome carries the
 * error code so the model can be told; only a journal failure propagates.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(private readonly deps: ToolRegistryDeps) {}

  register(...tools: Tool<any>[]): this {
    for (const t of tools) {
      if (this.tools.has(t.name)) throw new TypeError(`tool ${t.name} registered twice`);
      this.tools.set(t.name, t);
    }
    return this;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** The tool of this name. Throws SMOL_TOOL_UNKNOWN, listing the tools there are. */
  require(name: string): Tool {
    const tool = this.tools.get(name);
    if (!tool) throw new SmolError(ErrorCodes.TOOL_UNKNOWN, `no tool named "${name}" (tools: ${this.names().join(', ')})`, { details: { tools: this.names() } });
    return tool;
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /** Tool descriptions with JSON Schema parameters, for the model. */
  specs(only?: readonly string[]): LlmToolSpec[] {
    return [...this.tools.values()]
      .filter((t) => !only || only.includes(t.name))
      .map((t) => ({ name: t.name, description: t.description, parameters: toolJsonSchema(t.parameters) }));
  }

  /**
   * The tool and its parsed arguments. Throws SMOL_TOOL_UNKNOWN, or SMOL_TOOL_ARGS_INVALID with
   * `details.issues` (`[{path, message}]`, path as `a.b`). `call` runs it inside the journaled call;
   * a direct call (core/tools/direct-call.ts) runs it first, so a bad call journals nothing.
   */
  check(name: string, args: unknown): { tool: Tool; parsed: unknown } {
    const tool = this.require(name);
    const parsed = tool.parameters.safeParse(args ?? {});
    if (!parsed.success) {
      throw new SmolError(ErrorCodes.TOOL_ARGS_INVALID, `${name}: ${describeIssues(parsed.error)}`, { details: { issues: issueList(parsed.error) } });
    }
    return { tool, parsed: parsed.data };
  }

  /** Validates, runs and journals one call. */
  async call(name: string, args: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const now = this.deps.now ?? Date.now;
    const callId = this.deps.newId();
    await this.deps.journal.append([{ type: 'tool.called', data: { callId, tool: name, args: args ?? {}, caller: ctx.caller } satisfies EventDataMap['tool.called'] }]);
    const started = now();
    let outcome: ToolOutcome;
    try {
      const { tool, parsed } = this.check(name, args);
      outcome = { ok: true, callId, result: await tool.execute(parsed, ctx) };
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.TOOL_FAILED;
      outcome = { ok: false, callId, error: { code, message: (err as Error)?.message ?? String(err) } };
    }
    const durationMs = Math.max(0, now() - started);
    const completed: EventDataMap['tool.completed'] = outcome.ok
      ? { callId, tool: name, ok: true, result: this.forJournal(outcome.result), durationMs }
      : { callId, tool: name, ok: false, error: outcome.error, durationMs };
    await this.deps.journal.append([{ type: 'tool.completed', data: completed }]);
    return outcome;
  }

  private forJournal(result: unknown): unknown {
    const json = JSON.stringify(result ?? null);
    const max = this.deps.maxJournaledResult ?? 8000;
    return json.length <= max ? JSON.parse(json) : { truncated: true, chars: json.length, preview: json.slice(0, max) };
  }
}

/** A tool's parameters as JSON Schema (the input side: defaults are optional to the model). */
export function toolJsonSchema(schema: z.ZodType): JsonSchema {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete js['$schema'];
  return js;
}

/** The fields a call got wrong, for a person's client: an unknown key is named as the field. */
export function issueList(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.slice(0, 5).flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'not an argument of this tool' }));
    return [{ path: at.length ? at.join('.') : '(arguments)', message: i.message }];
  });
}

/** "path: message; path: message" — what the model needs to fix its call. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}
