import type { MathJsInstance } from 'mathjs';
import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';

/**
 * mathjs, loaded on the first math call: all of it costs ~30 MB of V8 heap (~80 MB of RSS) from the
 * moment it is imported, which a node that never does math should not carry within its memory
 * budget (docs/memory.md).
 */
let loading: Promise<{ math: MathJsInstance; evaluate: MathJsInstance['evaluate'] }> | undefined;
function mathjs() {
  return (loading ??= import('mathjs').then(({ all, create }) => {
    const math = create(all!, {});
    const evaluate = math.evaluate.bind(math);
    // mathjs' own advice for untrusted expressions: take away the functions that change the instance.
    math.import(
      Object.fromEntries(
        ['import', 'createUnit', 'reviver', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'compile'].map((name) => [
          name,
          () => {
            throw new Error(`${name} is disabled`);
          },
        ]),
      ),
      { override: true },
    );
    return { math, evaluate };
  }));
}

/** Evaluates a mathjs expression; numeric registers of the conversation are in scope. Throws SMOL_TOOL_FAILED. */
export async function evaluateMath(expression: string, scope: Record<string, unknown> = {}): Promise<{ result: string; value?: number; unit?: string }> {
  const { math, evaluate } = await mathjs();
  let r: unknown;
  try {
    r = evaluate(expression, new Map(Object.entries(scope)));
  } catch (err) {
    throw new SmolError(ErrorCodes.TOOL_FAILED, `math: ${(err as Error).message}`);
  }
  const result = math.format(r as never, { precision: 12 });
  const type = math.typeOf(r);
  if (type === 'number') return { result, value: r as number };
  if (type === 'Unit') {
    const u = r as { toNumber(): number; formatUnits(): string };
    const unit = u.formatUnits();
    return { result, ...(unit ? { value: u.toNumber(), unit } : {}) };
  }
  if (type === 'BigNumber' || type === 'Fraction') return { result, value: Number(r) };
  if (type === 'function') throw new SmolError(ErrorCodes.TOOL_FAILED, 'math: the expression is a function, not a value');
  return { result };
}

/** math: arithmetic, functions, matrices, statistics and units (mathjs). */
export function mathTool() {
  return defineTool({
    name: 'math',
    description: 'Evaluate a math expression (mathjs): arithmetic, functions, statistics, matrices and unit conversion, e.g. "12 degC to degF", "mean([1,2,3])". Numeric registers can be used by name.',
    parameters: z.object({ expression: z.string().min(1).max(2000) }).strict(),
    async execute({ expression }, ctx) {
      const scope: Record<string, unknown> = {};
      for (const [k, v] of ctx.registers) if (typeof v === 'number' && /^[A-Za-z_]\w*$/.test(k)) scope[k] = v;
      return evaluateMath(expression, scope);
    },
  });
}
