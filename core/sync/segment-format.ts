import { z } from 'zod';
import { isHlc } from '../clock/hlc.js';
import { isNodeId } from '../identity/node-identity.js';
import { SmolError, ErrorCodes } from '../errors.js';
import { feedBasisSchema } from '../journal/basis/feed-basis.js';

/**
 * A journal segment, byte layout (integers big-endian; see docs/segment-format.md):
 *
 *   magic "\x89SMOLSEG" | u16 format version | u32 header length | header (JSON, utf8)
 *   frame*              : u32 compressed length (> 0) | u32 raw length | u32 records | 32B sha-256 of the compressed bytes | compressed bytes
 *   end of frames       : u32 0
 *   trailer             : 32B sha-256 of every byte before it | 64B ed25519 signature by the exporter | "SMOLEND\n"
 *
 * A frame decompresses to records `varint range index | varint length | wire body`; see records.ts.
 */
export const SEGMENT_MAGIC = Buffer.from([0x89, 0x53, 0x4d, 0x4f, 0x4c, 0x53, 0x45, 0x47]);
export const SEGMENT_END = Buffer.from('SMOLEND\n', 'latin1');
export const SEGMENT_FORMAT_VERSION = 1;
/** Conventional file extension. */
export const SEGMENT_EXTENSION = '.smolseg';

export const PREAMBLE_BYTES = 8 + 2 + 4;
export const FRAME_HEADER_BYTES = 4 + 4 + 4 + 32;
export const TRAILER_BYTES = 32 + 64 + SEGMENT_END.length;
/** Bounds that keep a reader's memory constant whatever a file claims. */
export const MAX_HEADER_BYTES = 1 << 20;
export const MAX_FRAME_RAW_BYTES = 16 << 20;
export const MAX_FRAME_COMPRESSED_BYTES = 17 << 20;
/** Target raw size of a frame when writing. */
export const FRAME_TARGET_RAW_BYTES = 256 << 10;

export const compressions = ['brotli', 'gzip', 'none'] as const;
export type Compression = (typeof compressions)[number];

const seq = z.number().int().min(1).max(2 ** 48 - 1);
const nodeId = z.string().refine(isNodeId, 'not a node id');
const vector = z.record(nodeId, z.number().int().min(0).max(2 ** 48 - 1));

const rangeSchema = z
  .object({ origin: nodeId, from: seq, to: seq })
  .strict()
  .refine((r) => r.to >= r.from, 'range ends before it starts');

/** The header, validated at the edge (a segment file is untrusted input). */
export const segmentHeaderSchema = z
  .object({
    format: z.literal('smollama-segment'),
    version: z.literal(SEGMENT_FORMAT_VERSION),
    /** Nodes of different clusters never exchange events. */
    cluster: z.string().min(1).max(128),
    exporter: nodeId,
    /** The exporter's ed25519 public key (base64url); the exporter id must derive from it. */
    publicKey: z.string().min(1).max(128),
    created: z.string().refine(isHlc, 'not an hlc'),
    compression: z.enum(compressions),
    ranges: z.array(rangeSchema).max(100_000),
    count: z.number().int().min(0),
    /** The exporter's version vector when it wrote this: what it is known to hold. */
    basis: vector,
    /** The vector this segment was cut for, when it was cut for one. */
    for: vector.optional(),
    /**
     * Retention: for an origin whose oldest events the exporter dropped, where its feed starts (the
     * range, if any, starts right after it). Sent only to a node that lacks part of the dropped range.
     */
    feedBases: z.record(nodeId, feedBasisSchema).optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    const seen = new Set<string>();
    let total = 0;
    h.ranges.forEach((r, i) => {
      if (seen.has(r.origin)) ctx.addIssue({ code: 'custom', path: ['ranges', i, 'origin'], message: 'origin appears in two ranges' });
      seen.add(r.origin);
      total += r.to - r.from + 1;
    });
    if (total !== h.count) ctx.addIssue({ code: 'custom', path: ['count'], message: `count ${h.count} is not the ranges' total ${total}` });
    for (const [origin, b] of Object.entries(h.feedBases ?? {})) {
      const r = h.ranges.find((x) => x.origin === origin);
      if (r && r.from !== b.seq + 1) ctx.addIssue({ code: 'custom', path: ['feedBases', origin], message: `the range of ${origin} starts at ${r.from}, not right after its basis ${b.seq}` });
    }
  });

export type SegmentHeader = z.output<typeof segmentHeaderSchema>;
export type SegmentRange = SegmentHeader['ranges'][number];

/** The preamble and header bytes of a segment. */
export function encodeHeader(header: SegmentHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_HEADER_BYTES) throw new SmolError(ErrorCodes.SEGMENT_TOO_LARGE, `segment header of ${json.length} bytes is over ${MAX_HEADER_BYTES}`);
  const out = Buffer.allocUnsafe(PREAMBLE_BYTES + json.length);
  SEGMENT_MAGIC.copy(out, 0);
  out.writeUInt16BE(SEGMENT_FORMAT_VERSION, 8);
  out.writeUInt32BE(json.length, 10);
  json.copy(out, PREAMBLE_BYTES);
  return out;
}

/**
 * Checks a preamble; returns the header length. Throws SMOL_SEGMENT_FORMAT for a file that is not
 * a segment or of a newer format than this build reads.
 */
export function checkPreamble(pre: Buffer): number {
  if (!pre.subarray(0, 8).equals(SEGMENT_MAGIC)) throw formatError('not a smollama segment (bad magic bytes)');
  const version = pre.readUInt16BE(8);
  if (version !== SEGMENT_FORMAT_VERSION) {
    throw formatError(`segment format version ${version}; this build reads version ${SEGMENT_FORMAT_VERSION}${version > SEGMENT_FORMAT_VERSION ? ' (upgrade smollama)' : ''}`);
  }
  const length = pre.readUInt32BE(10);
  if (length === 0 || length > MAX_HEADER_BYTES) throw formatError(`segment header length ${length} is out of bounds`);
  return length;
}

/** Parses and validates header JSON. Throws SMOL_SEGMENT_FORMAT saying which field is wrong. */
export function decodeHeader(bytes: Buffer): SegmentHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw formatError('segment header is not valid JSON');
  }
  const parsed = segmentHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw formatError(`segment header: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The message the exporter signs: a domain tag and the file's sha-256. */
export function signedMessage(digest: Buffer): Buffer {
  return Buffer.concat([Buffer.from('smollama-segment:v1:', 'latin1'), digest]);
}

export function formatError(message: string): SmolError {
  return new SmolError(ErrorCodes.SEGMENT_FORMAT, message);
}
