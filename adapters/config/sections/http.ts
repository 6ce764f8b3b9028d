import { z } from 'zod';

/** `http`: where the dashboard, API and sync endpoints listen. */
export const httpSection = z
  .object({
    host: z.string().min(1).default('0.0.0.0').describe('Address the dashboard and API listen on'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Port (0 = any free port)'),
    openOnLoopback: z
      .boolean()
      .default(true)
      .describe('Let requests from this machine (127.0.0.1, ::1) in without a token; others need the token `smollama status` shows'),
  })
  .strict()
  .prefault({})
  .describe('Dashboard, API and sync endpoints');
