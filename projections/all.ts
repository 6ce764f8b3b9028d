import type { Projection } from '../core/projection/projection.js';
import { sensorsProjection } from './sensors.js';
import { nodesProjection } from './nodes.js';
import { observationsProjection } from './observations.js';
import { memoriesProjection } from './memories.js';
import { toolCallsProjection } from './tool-calls.js';
import { storageProjection } from './storage.js';

/** Every projection a node runs, in start order. */
export const allProjections: readonly Projection<any>[] = [sensorsProjection, nodesProjection, observationsProjection, memoriesProjection, toolCallsProjection, storageProjection];
