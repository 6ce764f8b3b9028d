import { EventRegistry } from './registry.js';
import { outputEventSpecs } from './output-events.js';
import { coreEventSpecs } from './core-events.js';
import { syncEventSpecs } from './sync-events.js';
import { agentEventSpecs } from './agent-events.js';
import { memoryEventSpecs } from './memory-events.js';
import { visionEventSpecs } from './vision-events.js';

/** A registry with every event type this build knows. */
export function createRegistry(): EventRegistry {
  return new EventRegistry().registerAll(coreEventSpecs).registerAll(syncEventSpecs).registerAll(agentEventSpecs).registerAll(memoryEventSpecs).registerAll(outputEventSpecs).registerAll(visionEventSpecs);
}
