import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isSmolError, type ErrorCode } from '../../../core/errors.js';
import { statusOf } from '../http-errors.js';

/** OpenAI's error types, by HTTP status. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  return status < 500 ? 'invalid_request_error' : 'api_error';
}

/** Statuses that differ from the rest of the API: an OpenAI client retries or explains by them. */
const V1_STATUS: Partial<Record<ErrorCode, number>> = {
  SMOL_LLM_TIMEOUT: 504,
  SMOL_LLM_BAD_OUTPUT: 502,
  SMOL_EMBEDDING_FAILED: 502,
  SMOL_LLM_ABORTED: 499,
};

/** The HTTP status of a code on /v1. */
export function v1StatusOf(code: ErrorCode): number {
  return V1_STATUS[code] ?? statusOf(code);
}

/** The OpenAI error envelope, `{ error: { message, type, param, code } }`, with our SMOL_ code as `code`. */
export function openAiErrorBody(status: number, code: string, message: string, param: string | null = null) {
  return { error: { message, type: errorType(status), param, code } };
}

/** Sends an OpenAI error envelope. */
export function openAiError(reply: FastifyReply, status: number, code: string, message: string, param: string | null = null) {
  return reply.status(status).send(openAiErrorBody(status, code, message, param));
}

/**
 * The /v1 error handler: every refusal in OpenAI's envelope — our own errors, the guard's and the
 * body gate's (they run in the route's hooks, so they land here), and fastify's 4xx (bad JSON, too large).
 */
export function v1ErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (isSmolError(error)) {
    const status = v1StatusOf(error.code);
    if (status >= 500 && error.code !== ErrorCodes.HTTP_BUSY) request.log.error({ err: error }, 'v1 request failed');
    if (error.code === ErrorCodes.HTTP_BUSY) void reply.header('retry-after', '1');
    return openAiError(reply, status, error.code, error.message, (error.details?.['param'] as string | undefined) ?? null);
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return openAiError(reply, status, status === 413 ? ErrorCodes.BODY_TOO_LARGE : ErrorCodes.BAD_REQUEST, error.message);
  request.log.error({ err: error }, 'v1 request failed');
  return openAiError(reply, 500, ErrorCodes.INTERNAL, 'internal error; see the node log');
}
