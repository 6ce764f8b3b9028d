import { ErrorCodes } from '../../core/errors.js';
import { atLeast, NO_MEMORY_PRESSURE, type MemoryPressurePort } from '../../core/runtime/memory-pressure.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { lookTool } from '../../core/tools/look-tool.js';
import type { CameraSource } from '../../core/vision/vision-port.js';
import { openObjects, type VisionState } from '../../projections/vision.js';
import type { CameraConfig } from '../config/sections/vision.js';
import { rateLimitedLog } from '../log/rate-limit.js';
import { CameraPipeline } from '../vision/camera-pipeline.js';
import { createCamera } from '../vision/cameras/create-camera.js';
import { WorkerVisionModels } from '../vision/models/worker-vision-models.js';
import { NodeVisionService } from '../vision/node-vision-service.js';
import type { NodeUnit } from './context.js';
import type {} from './agent.js';
import type {} from './memory.js';
import type {} from './node.js';
import type {} from './vision-shelf.js';
import type {} from './snapshots.js';

const MIB = 1024 * 1024;

export interface VisionUnitOptions {
  /** Makes the camera of a config entry (tests: a camera the test drives). */
  readonly createCamera?: (c: CameraConfig) => CameraSource;
}

/**
 * The vision unit (issue 13): per configured camera a poller and the frame pipeline
 * (adapters/vision/camera-pipeline.ts), one models worker shared by all cameras (loaded on first
 * use, unloaded when idle or at critical memory pressure), the snapshot store, the VisionService
 * on the shelf as `vision` and the agent's `look` tool. It runs after `begin` because it journals
 * (vision.detected, vision.classified). At start it ends the objects a killed run left open; at
 * stop it ends the objects it tracks, then stops the worker. Off (shelf `vision` undefined) when
 * vision.enabled is false or no camera is configured.
 */
export function visionUnit(options: VisionUnitOptions = {}): NodeUnit {
  let pipelines: CameraPipeline[] = [];
  let models: WorkerVisionModels | undefined;
  let service: NodeVisionService | undefined;
  let pressure: MemoryPressurePort = NO_MEMORY_PRESSURE;
  let unsubscribe: (() => void) | undefined;
  let cleanup: Promise<void> | undefined;
  let off: string | undefined;
  return {
    name: 'vision',
    needs: ['begin', 'node', 'agent', 'memory', 'snapshots'],
    // A frame being handled finishes (the first one loads the models: seconds), then the worker stops (≤ 5 s).
    stopTimeoutMs: 12_000,
    async start({ config, log, shelf }) {
      const v = config.vision;
      if (!v.enabled || v.cameras.length === 0) {
        off = v.enabled ? 'off (no cameras in vision.cameras)' : 'off (vision.enabled is false)';
        shelf.put('vision', undefined);
        return;
      }
      off = undefined;
      const node = shelf.get('node');
      const journal = node.journal;
      pressure = shelf.peek('memoryPressure') ?? NO_MEMORY_PRESSURE;
      const rl = rateLimitedLog(log);
      const warn = (key: string, fields: Record<string, unknown>, message: string) => rl('warn', key, fields, message);
      // The node's one store (adapters/units/snapshots.ts): peers' snapshots share its index and budget.
      const snapshots = shelf.get('snapshots');
      const m = (models = new WorkerVisionModels({ idleUnloadMs: v.models.idleUnloadMs }));
      const make = options.createCamera ?? ((c: CameraConfig) => createCamera(c));
      const paused = () => pressure.paused();
      pipelines = v.cameras.map(
        (c) =>
          new CameraPipeline({
            config: c,
            camera: make(c),
            models: m,
            snapshots,
            journal: (drafts) => journal.append(drafts),
            paused,
            onInference: () => service?.sampleMemory(),
            warn,
          }),
      );
      const s = (service = new NodeVisionService(pipelines, m, snapshots));
      // Critical: give the models' memory back at once (the next frame after the pressure eases loads them again).
      unsubscribe = pressure.onChange((level, previous) => {
        if (atLeast(level, 'critical')) void m.unload();
        if (atLeast(level, 'high')) log.warn({ level }, `vision: inference paused (memory pressure ${level})${atLeast(level, 'critical') ? '; models unloaded' : ''}`);
        else if (atLeast(previous, 'high')) log.info({ level }, 'vision: inference resumed');
      });
      // Objects a killed run left open end now: their tracker is gone, so nothing else would end them.
      cleanup = (async () => {
        const runner = node.runner<VisionState>('vision');
        await runner.caughtUp();
        const left = openObjects(runner.state, journal.nodeId);
        if (left.length === 0) return;
        await journal.append(
          left.map((o) => ({
            type: 'vision.detected',
            v: 1,
            data: { camera: o.camera, objectId: o.objectId, phase: 'end' as const, label: o.label, score: o.score, topScore: o.topScore, box: o.box, zones: o.zones, ...(o.snapshot === undefined ? {} : { snapshot: o.snapshot }), startedAtMs: o.startedAtMs },
          })),
        );
        log.info({ ended: left.length }, `vision: ended ${left.length} object(s) a previous run left open`);
      })().catch((err: unknown) => log.warn({ err }, `vision: could not end the objects a previous run left open: ${(err as Error)?.message ?? String(err)}`));
      shelf.put('vision', s);
      shelf.get('agent').tools.register(lookTool(s));
      for (const p of pipelines) p.start();
      log.info({ cameras: v.cameras.map((c) => c.name) }, `vision: watching ${v.cameras.length} camera(s)`);
    },
    async stop() {
      unsubscribe?.();
      await cleanup;
      // Every camera first (their end events), then the worker (a stop message; terminate only if it hangs).
      try {
        const stops = await Promise.allSettled(pipelines.map((p) => p.stop()));
        const failed = stops.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason; // a refused end event (disk full): said by the registry, after the worker stops
      } finally {
        await models?.unload();
      }
    },
    health(): UnitHealth {
      if (off !== undefined) return { state: 'stopped', message: off };
      const cams = service?.cameras() ?? [];
      const mem = service?.memory();
      const models = mem?.modelsLoaded ? `models loaded${mem.workerRssBytes === undefined ? '' : ` (+${Math.round(mem.workerRssBytes / MIB)} MB RSS)`}` : 'models not loaded';
      const list = cams.map((c) => `${c.name} ${c.state} (${c.frames} frames, ${c.inferences} inferred)`).join(', ');
      if (pressure.paused()) return { state: 'degraded', code: ErrorCodes.MEMORY_PRESSURE, message: `inference paused by memory pressure (${pressure.level()}): ${list}; ${models}` };
      const failing = cams.filter((c) => c.state === 'failing');
      if (failing.length > 0) {
        const first = failing[0]!;
        return { state: 'degraded', ...(first.lastError ? { code: first.lastError.code } : {}), message: `${failing.length} of ${cams.length} camera(s) failing: ${failing.map((c) => `${c.name} (${c.lastError?.message ?? 'no frame'})`).join('; ')}; ${list}; ${models}` };
      }
      return { state: 'running', message: `${list}; ${models}` };
    },
  };
}
