/**
 * Vision in MQTT and Home Assistant: the topics of a node's cameras and the discovery configs of
 * their entities. Per camera and label of interest a `binary_sensor` (device class occupancy,
 * ON/OFF on `<prefix>/<node>/vision/<camera>/<label>/occupancy`) and a count `sensor` (state
 * class measurement, on `<prefix>/<node>/vision/<camera>/<label>`, as Frigate's
 * `frigate/<camera>/<label>`); per camera an `image` entity fed by the latest snapshot JPEG,
 * retained on `<prefix>/<node>/vision/<camera>/snapshot`. Pure: the stream sends them.
 */
import type { DiscoveryMessage, DiscoveryNode } from './ha-discovery.js';
import type { Topics } from './topics.js';

/** What discovery needs of a camera (from config: known before the vision unit starts). */
export interface VisionCameraEntity {
  readonly name: string;
  /** Labels of interest (vision.cameras[].labels). */
  readonly labels: readonly string[];
}

export interface VisionTopics {
  /** Frigate-style events of every tracked object: `<prefix>/<node>/vision/events`. */
  readonly events: string;
  count(camera: string, label: string): string;
  occupancy(camera: string, label: string): string;
  snapshot(camera: string): string;
}

/** Topic builders; characters MQTT gives meaning to (+ # /) and spaces (`traffic light`) become `_`. */
export function visionTopicsOf(prefix: string, node: string): VisionTopics {
  const clean = (s: string) => s.replace(/[+#/\s]/g, '_');
  const base = `${prefix}/${node}/vision`;
  return {
    events: `${base}/events`,
    count: (camera, label) => `${base}/${clean(camera)}/${clean(label)}`,
    occupancy: (camera, label) => `${base}/${clean(camera)}/${clean(label)}/occupancy`,
    snapshot: (camera) => `${base}/${clean(camera)}/snapshot`,
  };
}

/** The discovery "source" name of an entity: unique ids and config topics follow the sources' scheme. */
const occupancySource = (camera: string, label: string) => `vision.${camera}.${label}.occupancy`;
const countSource = (camera: string, label: string) => `vision.${camera}.${label}.count`;
const snapshotSource = (camera: string) => `vision.${camera}.snapshot`;

/** Every discovery message of these cameras (binary_sensor, sensor per label; image per camera). */
export function visionDiscoveryOf(cameras: readonly VisionCameraEntity[], node: DiscoveryNode, topics: Topics, vision: VisionTopics): DiscoveryMessage[] {
  const common = {
    availability_topic: topics.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    device: { identifiers: [`smollama_${node.nodeId}`], name: `Smollama ${node.name}`, manufacturer: 'Smollama', model: node.role, sw_version: node.software },
    origin: { name: 'Smollama', sw_version: node.software },
  };
  const out: DiscoveryMessage[] = [];
  const add = (component: string, source: string, config: Record<string, unknown>) =>
    out.push({ topic: topics.discovery(component, source), payload: JSON.stringify({ ...config, unique_id: topics.uniqueId(source), ...common }) });
  for (const c of cameras) {
    for (const label of c.labels) {
      add('binary_sensor', occupancySource(c.name, label), {
        name: `${c.name} ${label} occupancy`,
        state_topic: vision.occupancy(c.name, label),
        device_class: 'occupancy',
        payload_on: 'ON',
        payload_off: 'OFF',
      });
      add('sensor', countSource(c.name, label), {
        name: `${c.name} ${label} count`,
        state_topic: vision.count(c.name, label),
        state_class: 'measurement',
        icon: 'mdi:counter',
      });
    }
    add('image', snapshotSource(c.name), { name: `${c.name} snapshot`, image_topic: vision.snapshot(c.name), content_type: 'image/jpeg' });
  }
  return out;
}

/**
 * Every retained topic these cameras use (discovery configs and states): what an earlier run
 * announced and this config no longer has is cleared with an empty retained message, so a
 * removed camera or label leaves no entity behind in Home Assistant.
 */
export function visionRetainedTopicsOf(cameras: readonly VisionCameraEntity[], topics: Topics, vision: VisionTopics, discovery: boolean): string[] {
  const out: string[] = [];
  for (const c of cameras) {
    for (const label of c.labels) {
      out.push(vision.count(c.name, label), vision.occupancy(c.name, label));
      if (discovery) out.push(topics.discovery('binary_sensor', occupancySource(c.name, label)), topics.discovery('sensor', countSource(c.name, label)));
    }
    out.push(vision.snapshot(c.name));
    if (discovery) out.push(topics.discovery('image', snapshotSource(c.name)));
  }
  return out;
}
