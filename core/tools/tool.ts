import type { z } from 'zod';
import type { CallerInfo } from '../events/agent-events.js';

/** Who is calling, and the conversation's scratch registers. */
export interface ToolContext {
  readonly caller: CallerInfo;
  /** Scratch variables of one conversation (register_* tools). */
  readonly registers: Map<string, unknown>;
  readonly signal?: AbortSignal;
}

/**
 * A tool: a zod parameter schema (exported to the model as JSON Schema) and an `execute` that gets
 * the parsed arguments. It throws a SmolError with a stable code for failures the model should hear.
 */
export interface Tool<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly parameters: P;
  execute(args: z.output<P>, ctx: ToolContext): Promise<unknown>;
}

/** Declares a tool with its argument types inferred from the schema. */
export function defineTool<P extends z.ZodType>(tool: Tool<P>): Tool<P> {
  return tool;
}
