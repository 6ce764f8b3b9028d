import { z } from 'zod';
import type { OutputPort } from '../devices/device-port.js';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';

/** The outputs as the agent sees them: only those config lets it drive (`agent: true`). */
export interface OutputAccess extends OutputPort {
  agentMay(name: string): boolean;
}

const output = z.string().min(1).describe('output name, from output_list');

/** output_list, set_output, display_text, display_number; every write is journaled (output.written). */
export function outputTools(outputs: OutputAccess) {
  const mine = () => outputs.list().filter((o) => outputs.agentMay(o.name));
  const write = async (name: string, kinds: readonly string[], value: number | string) => {
    const info = mine().find((o) => o.name === name);
    if (!info) throw new SmolError(ErrorCodes.OUTPUT_UNKNOWN, `no output named ${name} that the agent may drive (have: ${mine().map((o) => o.name).join(', ') || 'none'})`);
    if (!kinds.includes(info.kind)) throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `${name} is a ${info.kind} output; use ${info.kind === 'text' ? 'display_text' : info.kind === 'number' ? 'display_number' : 'set_output'}`);
    await outputs.write(name, value);
    return { output: name, value };
  };
  return [
    defineTool({
      name: 'output_list',
      description: 'List the outputs you may drive: name, kind (switch, pwm, text, number), platform and last value.',
      parameters: z.object({}).strict(),
      async execute() {
        return { outputs: mine().map((o) => ({ name: o.name, kind: o.kind, platform: o.platform, value: o.value ?? null })) };
      },
    }),
    defineTool({
      name: 'set_output',
      description: 'Switch an LED, relay or buzzer (0 or 1), or set a PWM output duty (0..1).',
      parameters: z.object({ output, value: z.number().min(0).max(1) }).strict(),
      execute: ({ output: name, value }) => write(name, ['switch', 'pwm'], value),
    }),
    defineTool({
      name: 'display_text',
      description: 'Show text on a character LCD (lines separated by \\n).',
      parameters: z.object({ output, text: z.string().max(200) }).strict(),
      execute: ({ output: name, text }) => write(name, ['text'], text),
    }),
    defineTool({
      name: 'display_number',
      description: 'Show a number on a 4-digit 7-segment display.',
      parameters: z.object({ output, value: z.number() }).strict(),
      execute: ({ output: name, value }) => write(name, ['number'], value),
    }),
  ];
}
