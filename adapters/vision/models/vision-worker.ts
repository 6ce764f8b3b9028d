import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeDetections, decodeSceneLabels } from './centernet-decode.js';
import { humanModelsDir, readModelArtifacts, wasmDir } from './model-files.js';
import type { FramePayload, WorkerRequest, WorkerResponse, WorkerResult, WorkerStats } from './worker-protocol.js';

/**
 * The worker thread that owns tfjs (wasm backend) and the CenterNet graph. It answers one request
 * at a time in arrival order (the main side never sends a second before the first is answered)
 * and exits on `stop`, so the main side never has to terminate it in the middle of a wasm call.
 */

const MODEL = 'centernet';
const INPUT_SIZE = 512; // the graph's fixed input: [1, 512, 512, 3], RGB 0..255

let model: GraphModel | undefined;

async function ensureModel(): Promise<GraphModel> {
  if (model !== undefined) return model;
  setWasmPaths(wasmDir());
  // One wasm thread: the other core stays for the node's event loop and sharp.
  await tf.setBackend('wasm');
  await tf.ready();
  model = await loadGraphModel(tf.io.fromMemory(await readModelArtifacts(humanModelsDir(), MODEL)));
  return model;
}

/**
 * The frame resized (squashed: boxes are normalised, so aspect does not matter) to the input
 * square inside the wasm heap, not with sharp: libvips' caches and per-thread malloc arenas in the
 * worker would stay in the process after the worker exits, and unload must give the memory back.
 */
function toInput(frame: FramePayload): tf.Tensor4D {
  return tf.tidy(() => {
    const rgb = tf.tensor4d(Float32Array.from(frame.rgb), [1, frame.height, frame.width, 3]);
    return tf.image.resizeBilinear(rgb, [INPUT_SIZE, INPUT_SIZE]);
  });
}

async function run(frame: FramePayload, output: 'tower_0/detections' | 'tower_0/keypoints'): Promise<Float32Array> {
  const m = await ensureModel();
  const input = toInput(frame);
  try {
    const out = m.execute(input, output) as tf.Tensor;
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  } finally {
    input.dispose();
  }
}

/** Both outputs of one forward pass: detections and the class heatmap (what detect + classify cost twice). */
async function runBoth(frame: FramePayload): Promise<[Float32Array, Float32Array]> {
  const m = await ensureModel();
  const input = toInput(frame);
  try {
    const outs = m.execute(input, ['tower_0/detections', 'tower_0/keypoints']) as tf.Tensor[];
    try {
      return [(await outs[0]!.data()) as Float32Array, (await outs[1]!.data()) as Float32Array];
    } finally {
      for (const o of outs) o.dispose();
    }
  } finally {
    input.dispose();
  }
}

function stats(): WorkerStats {
  const backend = model === undefined ? undefined : (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } });
  return {
    heapUsedBytes: getHeapStatistics().used_heap_size,
    wasmBytes: backend?.wasm?.HEAPU8?.byteLength ?? 0,
    tensorBytes: model === undefined ? 0 : tf.memory().numBytes,
  };
}

async function handle(req: WorkerRequest): Promise<WorkerResult> {
  switch (req.op) {
    case 'detect':
      return decodeDetections(await run(req.frame, 'tower_0/detections'), { inputSize: INPUT_SIZE, ...req.options });
    case 'classify':
      return decodeSceneLabels(await run(req.frame, 'tower_0/keypoints'), req.topK);
    case 'analyze': {
      const [detections, heatmap] = await runBoth(req.frame);
      return { detections: decodeDetections(detections, { inputSize: INPUT_SIZE, ...req.options }), classes: decodeSceneLabels(heatmap, req.topK) };
    }
    case 'stats':
      return stats();
    case 'stop':
      model?.dispose();
      model = undefined;
      return null;
  }
}

const port = parentPort;
if (port === null) throw new TypeError('vision-worker must run in a worker thread');
port.on('message', (req: WorkerRequest) => {
  void handle(req).then(
    (result) => {
      port.postMessage({ id: req.id, ok: true, result } satisfies WorkerResponse);
      // Exit once the answer is out: the thread's wasm memory goes with it.
      if (req.op === 'stop') process.exit(0);
    },
    (err: unknown) => {
      port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies WorkerResponse);
    },
  );
});
