import type Sharp from 'sharp';
import { ErrorCodes, SmolError } from '../../core/errors.js';

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), loaded on first use. Importing it maps ~25 MB of libraries into the process
 * (measured: RSS 43 → 70 MB for `import('sharp')` alone), which a node without cameras never
 * needs and which a cold start's peak RSS would carry. Throws SMOL_VISION_MODEL_FAILED when the
 * native module cannot be loaded (a broken install), and tries again on the next call.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(
    (m) => m.default,
    (err: unknown) => {
      loading = undefined;
      throw new SmolError(ErrorCodes.VISION_MODEL_FAILED, `the image library (sharp) cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    },
  );
  return loading;
}
