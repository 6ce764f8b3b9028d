import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { OutputPort } from '../../../core/devices/device-port.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';

const OutputParams = z.object({ name: z.string().min(1).max(63) });
const OutputBody = z.object({ value: z.union([z.number().refine(Number.isFinite, 'must be a finite number'), z.string().max(200)]) }).strict();

/** The outputs (GET to read, POST with the admin token to drive; every write journaled as output.written). */
export const apiHardwareRoutes: RouteGroup = async (app, { deps }) => {
  const read = requireScope('read');
  const admin = requireScope('admin');
  const outputs = (): OutputPort => {
    const port = deps.outputs?.();
    if (!port) throw new SmolError(ErrorCodes.OUTPUT_UNKNOWN, 'this node has no outputs configured (the outputs list in the config)');
    return port;
  };

  app.get('/api/outputs', { onRequest: read }, async () => ({ outputs: deps.outputs?.()?.list() ?? [] }));

  app.post('/api/outputs/:name', { onRequest: admin }, async (request) => {
    const { name } = parseInput(OutputParams, request.params, 'params');
    const { value } = parseInput(OutputBody, request.body, 'body');
    const port = outputs();
    await port.write(name, value);
    return { output: port.list().find((o) => o.name === name) };
  });
};
