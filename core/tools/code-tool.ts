import { z } from 'zod';
import { defineTool } from './tool.js';
import type { SandboxPort } from './ports.js';

/** run_code: JavaScript in a sandbox with time, memory and stack limits and no host access. */
export function codeTool(sandbox: SandboxPort) {
  return defineTool({
    name: 'run_code',
    description: 'Run JavaScript in a sandbox (no network, files or host). Returns the value of the last expression and console output. Limits: time, memory, stack.',
    parameters: z.object({ code: z.string().min(1).max(20_000) }).strict(),
    async execute({ code }) {
      return sandbox.run(code);
    },
  });
}
