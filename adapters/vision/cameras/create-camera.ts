import type { CameraConfig } from '../../config/sections/vision.js';
import type { CameraSource } from '../../../core/vision/vision-port.js';
import { DirCamera } from './dir-camera.js';
import { rtspCamera, v4l2Camera } from './ffmpeg-camera.js';
import { HttpCamera } from './http-camera.js';
import { rpicamCamera } from './rpicam-camera.js';

/** The camera a `vision.cameras` entry describes. Opens nothing: the first grab does. */
export function createCamera(c: CameraConfig, now?: () => number): CameraSource {
  const base = { name: c.name, timeoutMs: c.timeoutMs, maxFrameBytes: c.maxFrameBytes, ...(now ? { now } : {}) };
  switch (c.source) {
    case 'rpicam':
      return rpicamCamera({ ...base, command: c.command, camera: c.camera, width: c.width, height: c.height });
    case 'v4l2':
      return v4l2Camera({ ...base, ffmpeg: c.ffmpeg, device: c.device, width: c.width, height: c.height });
    case 'rtsp':
      return rtspCamera({ ...base, ffmpeg: c.ffmpeg, url: c.url, width: c.width, height: c.height });
    case 'http':
      return new HttpCamera({ ...base, url: c.url });
    case 'dir':
      return new DirCamera({ name: c.name, path: c.path, maxFrameBytes: c.maxFrameBytes, ...(now ? { now } : {}) });
  }
}
