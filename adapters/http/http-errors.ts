import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isSmolError, type ErrorCode } from '../../core/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  SMOL_BAD_REQUEST: 400,
  SMOL_EVENT_INVALID: 400,
  SMOL_AUTH_REQUIRED: 401,
  SMOL_AUTH_INVALID: 401,
  SMOL_AUTH_REPLAYED: 401,
  SMOL_FORBIDDEN: 403,
  SMOL_UNTRUSTED_NODE: 403,
  SMOL_NOT_FOUND: 404,
  SMOL_GPIO_PIN_UNKNOWN: 404,
  SMOL_GPIO_NOT_OUTPUT: 409,
  SMOL_SENSOR_UNAVAILABLE: 409,
  SMOL_SENSOR_NO_READING: 409,
  SMOL_SEGMENT_GAP: 409,
  SMOL_SEGMENT_CONFLICT: 409,
  SMOL_JOURNAL_CLOSED: 503,
  SMOL_LLM_UNREACHABLE: 503,
  // The journal cannot or will not write now (disk full, low space, I/O error): retry later.
  SMOL_JOURNAL_WRITE_FAILED: 503,
  SMOL_DISK_FULL: 503,
  SMOL_DISK_LOW: 503,
  // Bodies and connections (body-gate.ts): refused before the body is read.
  SMOL_BODY_TOO_LARGE: 413,
  SMOL_HTTP_BUSY: 503,
  SMOL_EMBEDDING_INPUT_EMPTY: 400,
  // Direct tool calls (/api/tools): a wrong call, and a tool that ran and could not do it.
  SMOL_TOOL_UNKNOWN: 404,
  SMOL_TOOL_ARGS_INVALID: 400,
  SMOL_TOOL_FAILED: 422,
  // Endurance and hardware (issues 11, 12).
  SMOL_JOURNAL_RANGE_DROPPED: 410,
  SMOL_MEMORY_PRESSURE: 503,
  SMOL_COLD_FILE_CORRUPT: 500,
  SMOL_OUTPUT_UNKNOWN: 404,
  SMOL_OUTPUT_NOT_ALLOWED: 403,
  SMOL_DEVICE_UNAVAILABLE: 409,
  SMOL_DEVICE_READ_FAILED: 409,
  SMOL_I2C_NO_ACK: 409,
  SMOL_CAMERA_UNAVAILABLE: 503,
  SMOL_FRAME_INVALID: 400,
  SMOL_VISION_MODEL_FAILED: 503,
  SMOL_VISION_BUSY: 503,
  SMOL_VISION_DISABLED: 409,
  SMOL_LLM_NO_VISION: 422,
  SMOL_IMAGE_URL_REFUSED: 400,
};

/** The HTTP status of an error code (500 for codes that mean the node itself failed). */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? (code.startsWith('SMOL_SEGMENT') ? 400 : 500);
}

/** The body of every error answer: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** Fastify error handler: stable codes for SmolErrors and for fastify's own 4xx (bad JSON, too large). */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (isSmolError(error)) {
    const status = statusOf(error.code);
    // A node that refuses for now (busy, disk full, model away: 503) says so to the client and, once,
    // where it is handled; logging every refusal would let a flood fill the log too.
    if (status >= 500) request.log[status === 503 ? 'debug' : 'error']({ err: error, method: request.method, url: request.url.split('?')[0] }, 'request failed');
    if (error.code === ErrorCodes.HTTP_BUSY) void reply.header('retry-after', '1');
    void reply.status(status).send({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } } satisfies ErrorBody);
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = status === 413 ? ErrorCodes.BODY_TOO_LARGE : ErrorCodes.BAD_REQUEST;
    void reply.status(status).send({ error: { code, message: error.message } } satisfies ErrorBody);
    return;
  }
  // The cause goes to the node log (err: type, message with its causes, stack), the request id to both.
  request.log.error({ err: error, method: request.method, url: request.url.split('?')[0] }, 'request failed');
  void reply.status(500).send({ error: { code: ErrorCodes.INTERNAL, message: `internal error; see the node log (request ${request.id})` } } satisfies ErrorBody);
}
