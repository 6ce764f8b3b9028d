import os from 'node:os';
import { z } from 'zod';

/**
 * Turns a hostname into a node name: first DNS label, lowercase, [a-z0-9-], no leading or trailing
 * dash, at most 63 characters. Names end up in MQTT topics and source ids, hence the narrow set.
 */
export function sanitizeNodeName(hostname: string): string {
  const label = hostname.split('.')[0] ?? '';
  const name = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'smollama' : name;
}

const NODE_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** `node`: this node's name and role. */
export const nodeSection = z
  .object({
    name: z
      .string()
      .max(63)
      .regex(NODE_NAME, 'expected lowercase letters, digits and inner dashes')
      .default(() => sanitizeNodeName(os.hostname()))
      // perMachine: the example config leaves it commented out, so a copied file does not clone names.
      .meta({ description: "This node's name in topics and dashboards (default: the hostname)", perMachine: true }),
    role: z
      .enum(['llama', 'alpaca'])
      .default('alpaca')
      .describe('llama = hub that aggregates the fleet, alpaca = edge node with its own sensors'),
  })
  .strict()
  .prefault({})
  .describe('Who this node is');
