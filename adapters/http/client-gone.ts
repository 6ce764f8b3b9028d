import type { FastifyReply } from 'fastify';

/**
 * A signal that aborts when the client goes away before the reply is finished. It listens on the
 * response, not the request: a request's `close` fires as soon as its body has been read (Node ≥ 16),
 * which would abort every question with a body at once.
 */
export function abortWhenClientGone(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort.signal;
}
