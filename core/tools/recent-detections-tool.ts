import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';

/** A tracked object as the tool reads it (the vision projection's VisionObject has this shape). */
export interface DetectionRow {
  readonly node: string;
  readonly camera: string;
  readonly objectId: string;
  readonly label: string;
  readonly topScore: number;
  readonly zones: readonly string[];
  readonly snapshot?: string;
  readonly startedAtMs: number;
  readonly lastSeenAtMs: number;
  readonly endedAtMs?: number;
}

/** What recent_detections reads through (adapters/tools/vision-access.ts, over the vision projection). */
export interface DetectionAccess {
  /** Resolves a node given by id or name; undefined when unknown. */
  resolveNode(node: string): string | undefined;
  /** Node id → its name, for the answer (the id itself when unnamed). */
  nodeName(origin: string): string;
  /** Objects newest first (by start), seen or ended at or after `sinceMs`. */
  recent(q: { node?: string; camera?: string; label?: string; sinceMs: number; limit: number }): Promise<readonly DetectionRow[]>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `recent_detections`: the objects the cameras tracked lately, from the journal (so a hub answers
 * for its peers' cameras too): camera, label, best score, zones, when it appeared and left (or that
 * it is still there), and its snapshot's URL. Read-only. Throws SMOL_NOT_FOUND for an unknown node.
 */
export function recentDetectionsTool(access: DetectionAccess, now: () => number = Date.now) {
  return defineTool({
    name: 'recent_detections',
    description: 'What the cameras saw lately (people, cars, animals…): camera, label, zones, when each appeared and left or whether it is still there. Filter by camera, label, node, minutes back.',
    parameters: z
      .object({
        camera: z.string().min(1).max(40).optional().describe('camera name (default: every camera)'),
        label: z.string().min(1).max(80).optional().describe('object label, e.g. person, car, dog (default: any)'),
        node: z.string().min(1).max(200).optional().describe('node id or name (default: every node)'),
        sinceMinutes: z.number().int().min(1).max(60 * 24 * 7).default(60).describe('how far back, in minutes (default 60)'),
        limit: z.number().int().min(1).max(50).default(20),
      })
      .strict(),
    async execute(a) {
      let node: string | undefined;
      if (a.node !== undefined) {
        node = access.resolveNode(a.node);
        if (!node) throw new SmolError(ErrorCodes.NOT_FOUND, `no node "${a.node}"`);
      }
      const t = now();
      const rows = await access.recent({
        sinceMs: t - a.sinceMinutes * 60_000, limit: a.limit,
        ...(node ? { node } : {}), ...(a.camera ? { camera: a.camera } : {}), ...(a.label ? { label: a.label } : {}),
      });
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.label] = (counts[r.label] ?? 0) + 1;
      return {
        since: iso(t - a.sinceMinutes * 60_000),
        counts,
        detections: rows.map((r) => ({
          node: access.nodeName(r.node),
          camera: r.camera,
          label: r.label,
          score: Number(r.topScore.toFixed(2)),
          zones: [...r.zones],
          appearedAt: iso(r.startedAtMs),
          ...(r.endedAtMs === undefined ? { stillThere: true, lastSeenAt: iso(r.lastSeenAtMs) } : { stillThere: false, leftAt: iso(r.endedAtMs) }),
          ...(r.snapshot ? { snapshot: `/api/vision/snapshots/${r.snapshot}` } : {}),
        })),
      };
    },
  });
}
