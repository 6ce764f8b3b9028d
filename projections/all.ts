import type { Projection } from '../core/projection/projection.js';
import { createSensorsProjection, type SensorsOptions } from './sensors.js';
import { nodesProjection } from './nodes.js';
import { observationsProjection } from './observations.js';
import { memoriesProjection } from './memories.js';
import { toolCallsProjection } from './tool-calls.js';
import { storageProjection } from './storage.js';
import { visionProjection } from './vision.js';

/** The settings projections take from config (`sensors.minuteRetentionDays` for the sensors projection). */
export interface ProjectionOptions {
  readonly sensors?: SensorsOptions;
}

/** Every projection a node runs, in start order, built with `options`. Throws TypeError for a bad option. */
export function createProjections(options: ProjectionOptions = {}): readonly Projection<any>[] {
  return [createSensorsProjection(options.sensors), nodesProjection, observationsProjection, memoriesProjection, toolCallsProjection, storageProjection, visionProjection];
}

/** The projection options of a node's config (structurally typed: projections do not import adapters). */
export function projectionOptions(config: { readonly sensors: { readonly minuteRetentionDays: number } }): ProjectionOptions {
  return { sensors: { minuteRetentionDays: config.sensors.minuteRetentionDays } };
}

/** Every projection a node runs, with default options. */
export const allProjections: readonly Projection<any>[] = createProjections();
