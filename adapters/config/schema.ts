import { z } from 'zod';
import { nodeSection } from './sections/node.js';
import { dataDirField } from './sections/data-dir.js';
import { sensorsSection } from './sections/sensors.js';
import { clockSection } from './sections/clock.js';
import { journalSection } from './sections/journal.js';
import { httpSection } from './sections/http.js';
import { syncSection } from './sections/sync.js';
import { mqttSection } from './sections/mqtt.js';
import { llmSection } from './sections/llm.js';
import { observerSection } from './sections/observer.js';
import { agentSection } from './sections/agent.js';
import { logSection } from './sections/log.js';
import { projectionsSection } from './sections/projections.js';
import { memorySection } from './sections/memory.js';
import { outputsSection } from './sections/outputs.js';
import { visionSection } from './sections/vision.js';

/**
 * The top-level keys, in the order the example config shows them. A new section is one file in
 * sections/ and one line here; env names, `--set` paths and the example config follow from it.
 * Every field needs a default and a description (the example config generator insists).
 */
const sections = {
  node: nodeSection,
  dataDir: dataDirField,
  sensors: sensorsSection,
  clock: clockSection,
  journal: journalSection,
  projections: projectionsSection,
  http: httpSection,
  sync: syncSection,
  mqtt: mqttSection,
  llm: llmSection,
  observer: observerSection,
  agent: agentSection,
  log: logSection,
  memory: memorySection,
  outputs: outputsSection,
  vision: visionSection,
};

/** The configuration schema: strict objects (a typo'd key is an error), defaults everywhere. */
export const configSchema = z.object(sections).strict();

/** Parsed configuration. After loadConfig, `dataDir` is absolute and the whole object is frozen. */
export type Config = z.output<typeof configSchema>;
