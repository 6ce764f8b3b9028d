import { z } from 'zod';

/** `http`: where the dashboard, API and sync endpoints listen, and what a client may make them hold. */
export const httpSection = z
  .object({
    host: z.string().min(1).default('0.0.0.0').describe('Address the dashboard and API listen on'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Port (0 = any free port)'),
    openOnLoopback: z
      .boolean()
      .default(true)
      .describe('Let requests from this machine (127.0.0.1, ::1) in without a token; others need a token (`smollama status --show-tokens`)'),
    requestTimeoutMs: z.number().int().min(100).default(60_000).describe('A request (headers and body) must arrive within this, or it is answered 408 and its connection closed (ms); bounds how long a slow client holds a connection, and how long a sync push may take to upload'),
    headersTimeoutMs: z.number().int().min(100).default(15_000).describe('Request headers must arrive within this (ms; at most requestTimeoutMs)'),
    keepAliveTimeoutMs: z.number().int().min(100).default(5_000).describe('An idle kept-alive connection is closed after this (ms)'),
    maxConnections: z.number().int().min(1).default(128).describe('Open connections at most (WebSockets included); more are closed at once'),
    bodyLimitBytes: z.number().int().min(1024).default(1 << 20).describe('Largest JSON body of a request with a token (bytes; some routes take less). Callers without a token send no body, except to /api/login'),
    maxUnauthenticatedBodies: z.number().int().min(1).default(8).describe('Bodies from callers without a token (logins) read at once; more are answered 503 SMOL_HTTP_BUSY'),
    maxSyncPushBytes: z.number().int().min(1024).default(256 << 20).describe('Largest segment a trusted peer may push (bytes); it streams to the data dir, never held in memory'),
    maxSyncUploads: z.number().int().min(1).default(2).describe('Sync pushes received at once; more are answered 503 SMOL_HTTP_BUSY'),
  })
  .strict()
  .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, { message: 'headersTimeoutMs must not be larger than requestTimeoutMs', path: ['headersTimeoutMs'] })
  .prefault({})
  .describe('Dashboard, API and sync endpoints');

export type HttpSettings = z.infer<typeof httpSection>;
