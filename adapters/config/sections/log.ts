import { z } from 'zod';

/** `log`: the node's logger (pino): how much it says and in which form. */
export const logSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Least severe level written (debug adds one line per HTTP request)'),
    format: z
      .enum(['pretty', 'json', 'auto'])
      .default('auto')
      .describe('pretty: readable lines; json: one JSON object a line (for journald and log shippers); auto: pretty on a terminal, json otherwise'),
  })
  .strict()
  .prefault({})
  .describe('Logging');
