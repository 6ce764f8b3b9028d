import type { RecentDetection } from '../../core/observer/observer-port.js';
import type { DetectionAccess } from '../../core/tools/recent-detections-tool.js';
import { getNode, listNodes, type NodesState } from '../../projections/nodes.js';
import { listVisionObjects, type VisionState } from '../../projections/vision.js';
import { settled, type NodeViews } from './node-views.js';

/** recent_detections' reads, from the vision and nodes projections. */
export function detectionAccess(node: NodeViews): DetectionAccess {
  const nodes = () => node.runner<NodesState>('nodes').state;
  return {
    resolveNode(n) {
      const all = listNodes(nodes());
      return all.find((x) => x.origin === n)?.origin ?? all.find((x) => x.name === n)?.origin ?? (n === node.journal.nodeId ? n : undefined);
    },
    nodeName: (origin) => getNode(nodes(), origin)?.name ?? origin,
    async recent(q) {
      const vision = await settled(node.runner<VisionState>('vision'));
      return listVisionObjects(vision.state, q);
    },
  };
}

/** The observer's "recent detections": this node's objects seen or ended since `sinceMs`, newest first. */
export async function recentDetectionsOf(node: NodeViews, sinceMs: number, limit: number): Promise<RecentDetection[]> {
  const vision = await settled(node.runner<VisionState>('vision'));
  return listVisionObjects(vision.state, { node: node.journal.nodeId, sinceMs, limit }).map((o) => ({
    camera: o.camera, label: o.label, zones: o.zones, startedAtMs: o.startedAtMs, ...(o.endedAtMs === undefined ? {} : { endedAtMs: o.endedAtMs }),
  }));
}
