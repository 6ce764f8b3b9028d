import type { Projection } from '../core/projection/projection.js';
import { sensorsProjection } from './sensors.js';
import { nodesProjection } from './nodes.js';

/** Every projection a node runs, in start order. */
export const allProjections: readonly Projection<any>[] = [sensorsProjection, nodesProjection];
