/**
 * `doctor`'s cameras check: one frame grabbed from each configured camera, as the vision unit
 * would (same command, timeout and size cap), reported with what the camera is and the frame's
 * size, or the coded reason it gave none. It journals and stores nothing.
 */
import { loadSharp } from '../../vision/load-sharp.js';
import type { Config } from '../../config/schema.js';
import type { CameraConfig } from '../../config/sections/vision.js';
import type { CameraSource } from '../../../core/vision/vision-port.js';
import { createCamera } from '../../vision/cameras/create-camera.js';
import { ok, reason, warn, type CheckResult } from './check.js';

/** What to try when a camera of this source gives no frame. */
function remedy(c: CameraConfig): string {
  switch (c.source) {
    case 'rpicam':
      return `run ${c.command} --list-cameras (ribbon cable seated? camera_auto_detect=1 in config.txt?); the node's user needs group video`;
    case 'v4l2':
      return `check ${c.device} exists (v4l2-ctl --list-devices, from v4l-utils) and that ffmpeg is installed; the node's user needs group video`;
    case 'rtsp':
      return 'check the stream URL, its credentials and that ffmpeg is installed (ffplay the URL from this machine)';
    case 'http':
      return 'open the URL from this machine (curl -o frame.jpg URL): it must answer 2xx with a JPEG or PNG';
    case 'dir':
      return `check that ${c.path} exists, is readable by the node's user and holds .jpg/.jpeg/.png files`;
  }
}

/** Each configured camera grabbed once: ok with describe and frame size, warn with the code. */
export async function checkCameras(config: Config, make: (c: CameraConfig) => CameraSource = (c) => createCamera(c)): Promise<CheckResult[]> {
  const v = config.vision;
  if (v.cameras.length === 0) return [ok('cameras', v.enabled ? 'vision is on but vision.cameras is empty' : 'none configured (vision off)')];
  const off = v.enabled ? '' : ' (vision.enabled is false: the node does not watch it)';
  return Promise.all(
    v.cameras.map(async (c): Promise<CheckResult> => {
      const name = `camera ${c.name}`;
      const camera = make(c);
      try {
        const frame = await camera.grab();
        const sharp = await loadSharp();
        const meta = await sharp(frame.image).metadata().catch(() => undefined);
        const size = meta?.width && meta.height ? `${meta.width}x${meta.height} ${meta.format ?? ''}`.trim() : 'an image';
        return ok(name, `${camera.describe}: ${size}, ${frame.image.length} bytes${off}`);
      } catch (err) {
        return warn(name, `${camera.describe}: ${reason(err)}${off}`, remedy(c), (err as { code?: string }).code);
      } finally {
        await camera.close().catch(() => undefined);
      }
    }),
  );
}
