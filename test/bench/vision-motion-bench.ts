/**
 * The cost of motion gating on a still scene (issue 13 target: < 3 % of one core at 1 frame / 5 s):
 * per frame, decoding a 416×320 JPEG to the 64×48 grayscale thumbnail (sharp) and the gate
 * (core/vision/motion.ts). Not the camera's own cost (rpicam-still or ffmpeg run as programs).
 *
 *   node --import tsx test/bench/vision-motion-bench.ts [frames]
 */
import { cpuUsage } from 'node:process';
import sharp from 'sharp';
import { grayThumbnail } from '../../adapters/vision/cameras/gray-thumbnail.js';
import { gate, maskPixels, type MotionState } from '../../core/vision/motion.js';
import { percentile } from './stats.js';

export interface VisionMotionFigures {
  readonly frames: number;
  /** Wall time per frame, decode + gate (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the process per frame (ms, all threads: sharp decodes on libuv's pool). */
  readonly cpuMsPerFrame: number;
  /** Share of one core at one frame every 5 s (percent). */
  readonly corePercentAt5s: number;
}

export async function visionMotionBench(frames = 200): Promise<VisionMotionFigures> {
  const raw = Buffer.alloc(416 * 320 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) & 0xff;
  const jpeg = await sharp(raw, { raw: { width: 416, height: 320, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  const ignored = maskPixels(64, 48, [[[0.8, 0], [1, 0], [1, 0.2]]]);
  const settings = { threshold: 0.01, pixelDelta: 25, heartbeatMs: 300_000 };
  let state: MotionState = {};
  for (let i = 0; i < 10; i++) state = gate(state, await grayThumbnail('bench', jpeg), i, settings, ignored).state; // warm up
  const times: number[] = [];
  const cpu0 = cpuUsage();
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    state = gate(state, await grayThumbnail('bench', jpeg), 100 + i, settings, ignored).state;
    times.push(performance.now() - t0);
  }
  const cpu = cpuUsage(cpu0);
  const cpuMsPerFrame = (cpu.user + cpu.system) / 1000 / frames;
  times.sort((a, b) => a - b);
  return {
    frames,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    cpuMsPerFrame,
    corePercentAt5s: (cpuMsPerFrame / 5000) * 100,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await visionMotionBench(Number(process.argv[2] ?? 200));
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
