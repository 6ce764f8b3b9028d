import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { callToolDirectly, listTools, outcomeError } from '../../../core/tools/direct-call.js';
import { READ_ONLY_TOOLS } from '../../../core/tools/read-only.js';
import type { ToolRegistry } from '../../../core/tools/registry.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { abortWhenClientGone } from '../client-gone.js';
import { assertJournalWritable } from '../journal-writable.js';

const ToolParams = z.object({ name: z.string().min(1).max(64) });

/** The header `smollama tool` sends so its calls through a running node are journaled as via cli (a label, not a credential). */
export const CLIENT_HEADER = 'x-smollama-client';
const viaOf = (request: FastifyRequest): 'api' | 'cli' => (request.headers[CLIENT_HEADER] === 'cli' ? 'cli' : 'api');

/**
 * The instruction executor over HTTP: any tool, called directly, without a model.
 * `GET /api/tools` lists them with their JSON Schemas (read scope). `POST /api/tools/:name` with the
 * arguments as a JSON object (an empty body is `{}`) runs one: read scope for read-only tools
 * (core/tools/read-only.ts), admin for the rest. 200 `{callId, tool, result}`; a refused call is
 * 404 SMOL_TOOL_UNKNOWN, 403 SMOL_FORBIDDEN, 400 SMOL_TOOL_ARGS_INVALID (details.issues names the
 * fields) and journals nothing; a tool that ran and failed answers with its own code and
 * `details.callId` (journaled as tool.completed with ok false).
 */
export const apiToolsRoutes: RouteGroup = async (app, { deps }) => {
  const tools: ToolRegistry | undefined = deps.tools;
  if (!tools) return;

  app.get('/api/tools', { onRequest: requireScope('read') }, async () => ({ tools: listTools(tools) }));

  app.post('/api/tools/:name', { onRequest: requireScope('read') }, async (request: FastifyRequest, reply: FastifyReply) => {
    const { name } = parseInput(ToolParams, request.params, 'params');
    const args = request.body ?? {};
    if (typeof args !== 'object' || Array.isArray(args) || args === null) {
      throw new SmolError(ErrorCodes.TOOL_ARGS_INVALID, `${name}: the body must be a JSON object of arguments, e.g. {} or {"source": "system.cpu_temp"}`, { details: { issues: [{ path: '(arguments)', message: 'expected an object' }] } });
    }
    const admin = request.access?.scope === 'admin';
    const outcome = await callToolDirectly(tools, name, args, {
      via: viaOf(request),
      // tool.called / tool.completed are low-value writes: refused below the low-space watermark too.
      beforeRun: () => assertJournalWritable(deps.journal, true),
      signal: abortWhenClientGone(reply),
      ...(admin ? {} : { allowTool: (n: string) => READ_ONLY_TOOLS.has(n) }),
    });
    if (!outcome.ok) throw outcomeError(outcome);
    return { callId: outcome.callId, tool: name, result: outcome.result ?? null };
  });
};
