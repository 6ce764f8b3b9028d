import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { CameraStatus, LookResult, VisionService } from '../../core/vision/vision-service.js';
import type { CameraPipeline } from './camera-pipeline.js';
import type { WorkerVisionModels } from './models/worker-vision-models.js';
import type { SnapshotStore } from './snapshots/snapshot-store.js';

/**
 * The VisionService of a running vision unit: the cameras' live status, a look on demand, the
 * snapshot files, and the models' memory (sampled after each inference: asking the worker is a
 * message round trip, and health is read synchronously).
 */
export class NodeVisionService implements VisionService {
  private rssAddedBytes: number | undefined;
  private sampling = false;

  constructor(
    private readonly pipelines: readonly CameraPipeline[],
    private readonly models: WorkerVisionModels,
    private readonly snapshots: SnapshotStore,
  ) {}

  cameras(): readonly CameraStatus[] {
    return this.pipelines.map((p) => p.status());
  }

  /** Throws SMOL_NOT_FOUND for an unknown camera, and what CameraPipeline.look throws. */
  look(camera?: string, signal?: AbortSignal): Promise<LookResult> {
    const p = camera === undefined ? this.pipelines[0] : this.pipelines.find((x) => x.name === camera);
    if (!p) {
      const names = this.pipelines.map((x) => x.name).join(', ');
      return Promise.reject(new SmolError(ErrorCodes.NOT_FOUND, `no camera named ${camera ?? '(any)'} on this node (cameras: ${names || 'none'})`, { details: { camera } }));
    }
    return p.look(signal);
  }

  /** Throws SMOL_BAD_REQUEST when the hash is not 64 lowercase hex digits. */
  snapshot(sha256: string, variant: 'image' | 'thumbnail'): Promise<Buffer | undefined> {
    return this.snapshots.get(sha256, variant);
  }

  memory(): { readonly modelsLoaded: boolean; readonly workerRssBytes?: number } {
    const loaded = this.models.loaded;
    return { modelsLoaded: loaded, ...(loaded && this.rssAddedBytes !== undefined ? { workerRssBytes: this.rssAddedBytes } : {}) };
  }

  /** Re-reads what the models add to the process's RSS (after an inference; cheap, one at a time). */
  sampleMemory(): void {
    if (this.sampling) return;
    this.sampling = true;
    void this.models
      .memory()
      .then((m) => {
        this.rssAddedBytes = m.loaded ? m.rssAddedBytes : undefined;
      })
      .catch(() => undefined)
      .finally(() => {
        this.sampling = false;
      });
  }
}
