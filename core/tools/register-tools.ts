import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';

const MAX_REGISTERS = 64;
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a name: letters, digits and _').describe('register name');

/** register_set, register_get, register_list: scratch variables of one conversation. */
export function registerTools() {
  return [
    defineTool({
      name: 'register_set',
      description: 'Store a value in a scratch register for the rest of this conversation (numbers can be used in math).',
      parameters: z.object({ name, value: z.union([z.number(), z.string().max(10_000), z.boolean(), z.null()]) }).strict(),
      async execute({ name: n, value }, ctx) {
        if (!ctx.registers.has(n) && ctx.registers.size >= MAX_REGISTERS) throw new SmolError(ErrorCodes.TOOL_FAILED, `at most ${MAX_REGISTERS} registers`);
        ctx.registers.set(n, value);
        return { [n]: value };
      },
    }),
    defineTool({
      name: 'register_get',
      description: 'Read a scratch register.',
      parameters: z.object({ name }).strict(),
      async execute({ name: n }, ctx) {
        if (!ctx.registers.has(n)) throw new SmolError(ErrorCodes.NOT_FOUND, `no register "${n}"; set: ${[...ctx.registers.keys()].join(', ') || 'none'}`);
        return { [n]: ctx.registers.get(n) };
      },
    }),
    defineTool({
      name: 'register_list',
      description: 'All scratch registers of this conversation.',
      parameters: z.object({}).strict(),
      async execute(_, ctx) {
        return { registers: Object.fromEntries(ctx.registers) };
      },
    }),
  ];
}
