import { rateLimitedLog } from '../log/rate-limit.js';
import { FrameDescriber } from '../vision/frame-describer.js';
import type { NodeUnit } from './context.js';
import type {} from './agent.js'; // the agent services (model, embedder) on the shelf
import type {} from './journal.js';
import type {} from './memory.js';
import type {} from './vision-shelf.js';

/** How long a repeated failure's log line is held back (ms): a model that is down fails every detection. */
const LOG_WINDOW_MS = 10 * 60_000;

/**
 * Vision-llm observations (config vision.describe, off without a model): a vision model describes
 * the snapshot of each new detection of a label of interest, at most once per camera per
 * minIntervalMs, as an `observation.recorded` with method `vision-llm` (adapters/vision/frame-describer.ts).
 * It runs after `begin` and reads the vision service from the shelf when a detection comes, so it
 * does not depend on the vision unit's order, nor fail when vision is off.
 */
export function visionDescribeUnit(): NodeUnit {
  let describer: FrameDescriber | undefined;
  let model: string | undefined;
  return {
    name: 'vision-describe',
    needs: ['begin', 'agent', 'memory'],
    stopTimeoutMs: 2000,
    async start({ config, log, shelf }) {
      const settings = config.vision.describe;
      if (!config.vision.enabled || !settings.model) return;
      model = settings.model;
      const agent = shelf.get('agent');
      const pressure = shelf.get('memoryPressure');
      const keyed = rateLimitedLog(log, LOG_WINDOW_MS);
      describer = new FrameDescriber({
        journal: shelf.get('journal'),
        vision: () => shelf.peek('vision'),
        llm: agent.llm,
        embedder: agent.embedder,
        settings: { model: settings.model, labels: settings.labels, minIntervalMs: settings.minIntervalMs },
        nodeName: config.node.name,
        paused: () => pressure.paused(),
        log: keyed,
      });
      describer.start();
      log.info({ model: settings.model, labels: settings.labels, minIntervalMs: settings.minIntervalMs }, 'vision-llm: describing new detections');
    },
    async stop() {
      await describer?.stop();
    },
    health() {
      if (!describer) return { state: 'running', message: 'off (vision.describe.model not set, or vision off)' };
      const s = describer.status();
      const message = `${model}: ${s.described} described, ${s.failed} failed`;
      return s.lastError
        ? { state: 'degraded', code: s.lastError.code, message: `${message}; last: ${s.lastError.message}`, since: new Date(s.lastError.atMs).toISOString() }
        : { state: 'running', message };
    },
  };
}
