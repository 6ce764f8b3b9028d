import { EventRegistry } from './registry.js';
import { coreEventSpecs } from './core-events.js';

/** A registry with every event type this build knows. */
export function createRegistry(): EventRegistry {
  return new EventRegistry().registerAll(coreEventSpecs);
}
