import { z } from 'zod';

const PEER_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const trustedKey = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected an ed25519 public key (43 base64url characters, as `smollama trust show` prints)').describe('the node\'s public key (from `smollama trust show` on it)'),
    name: z.string().regex(PEER_NAME, 'expected lowercase letters, digits and inner dashes').optional().describe('a name for it in listings and `--peer`'),
  })
  .strict();

const peer = z
  .object({
    name: z.string().regex(PEER_NAME, 'expected lowercase letters, digits and inner dashes').describe('a name for the peer in logs and the nodes view'),
    url: z.url({ protocol: /^https?$/ }).describe('its base URL, e.g. http://hub.local:8080'),
  })
  .strict();

/** `sync`: who this node exchanges journal segments with, and how often. */
export const syncSection = z
  .object({
    cluster: z.string().min(1).max(128).default('smollama').describe('Cluster name: segments and requests from another cluster are refused'),
    trusted: z.array(trustedKey).default([]).describe('Keys of nodes allowed to sync with this one, besides those added with `smollama trust add`'),
    trustedOriginsOnly: z.boolean().default(false).describe('Also refuse relayed events whose origin is not trusted (default: a trusted peer vouches for sealed feeds)'),
    peers: z.array(peer).default([]).describe('Peers this node syncs with over HTTP in the background'),
    intervalMs: z.number().int().min(100).default(30_000).describe('Time between sync rounds with each peer (ms)'),
    maxBackoffMs: z.number().int().min(100).default(600_000).describe('Longest wait between attempts while a peer keeps failing (ms)'),
    requestWindowMs: z.number().int().min(1000).default(300_000).describe('Signed sync requests older or newer than this are refused (ms; nonces are remembered as long)'),
    maxSegmentEvents: z.number().int().min(1).default(50_000).describe('Most events in one HTTP segment; larger backlogs go in several rounds'),
    sealMinIntervalMs: z.number().int().min(0).default(60_000).describe('Over HTTP, seal this node\'s feed for a peer at most this often; newer events wait for the next seal (ms)'),
    compression: z.enum(['brotli', 'gzip', 'none']).default('brotli').describe('Compression of the segments this node writes'),
  })
  .strict()
  .prefault({})
  .describe('Sync: trusted nodes, HTTP peers, segment exchange');
