/**
 * Issue 13's node CPU figure: a node (its own process, `smollama start`) watching one `dir` camera
 * at 1 frame / 5 s with motion gating (the defaults), on a still scene and on a busy one, next to
 * the same node with vision off. CPU is the process's utime + stime from /proc/<pid>/stat (every
 * thread: the event loop, libvips and the models' wasm worker) over windows that start after
 * start-up, tsx's compile and the first model load have settled. Target: a still scene < 3 % of
 * one core.
 *
 * Busy: a new frame every second, OpenCV's messi5.jpg and basketball1.png (opencv-doc) in turn,
 * each with a black square at one of 12 places, so any two frames 5 s apart differ and every
 * grab goes to the models (detect, and scene labels). Still: the same frame throughout.
 *
 *   node --import tsx test/bench/vision-node-bench.ts [--seconds 60] [--no-baseline] [--json] [--quick]
 *
 * --json prints {figures, method, details} as `npm run bench` wants; --quick: 20 s windows.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import type { Figure } from './report.js';
import { stopNode } from './soak-node.js';

const TICKS = 100; // USER_HZ on Linux
const DATA = '/usr/share/doc/opencv-doc/examples/data';
const VARIANTS = 12;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface VisionNodeWindow {
  readonly cpuPercent: number;
  readonly seconds: number;
  /** Frames grabbed and frames the models saw in the window. */
  readonly frames: number;
  readonly inferred: number;
}

export interface VisionNodeFigures {
  /** The same node with vision.enabled false (undefined with baseline: false). */
  readonly baseline?: VisionNodeWindow;
  readonly still: VisionNodeWindow;
  readonly busy: VisionNodeWindow;
  /** RSS the loaded models add (the unit's health), MB. */
  readonly modelsRssMb?: number;
}

/** The busy scene's frames: the two photos at 416 px, each with a black square at one of 12 places. */
async function variants(): Promise<Buffer[]> {
  const photos = [await sharp(`${DATA}/messi5.jpg`).resize({ width: 416 }).toBuffer(), await sharp(`${DATA}/basketball1.png`).resize({ width: 416 }).toBuffer()];
  const square = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
  const out: Buffer[] = [];
  for (let k = 0; k < VARIANTS; k++) {
    const base = photos[k % 2]!;
    const { height = 300 } = await sharp(base).metadata();
    out.push(await sharp(base).composite([{ input: square, left: (k * 31) % (416 - 64), top: (k * 17) % Math.max(1, height - 64) }]).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

/** Replaces the camera's frame atomically (a half-written JPEG would be refused, not faked). */
function put(dir: string, frame: Buffer): void {
  writeFileSync(join(dir, '.next.jpg'), frame);
  renameSync(join(dir, '.next.jpg'), join(dir, 'frame.jpg'));
}

interface Counts {
  frames: number;
  inferred: number;
  rssMb?: number;
}

async function counts(base: string): Promise<Counts> {
  const health = (await (await fetch(new URL('/api/health', base))).json()) as { units: Array<{ name: string; message?: string }> };
  const message = health.units.find((u) => u.name === 'vision')?.message ?? '';
  const m = /cam \w+ \((\d+) frames, (\d+) inferred\)/.exec(message);
  const rss = /\+(\d+) MB RSS/.exec(message);
  return { frames: Number(m?.[1] ?? 0), inferred: Number(m?.[2] ?? 0), ...(rss ? { rssMb: Number(rss[1]) } : {}) };
}

async function window(pid: number, base: string | undefined, seconds: number): Promise<VisionNodeWindow> {
  const c0 = base ? await counts(base) : { frames: 0, inferred: 0 };
  const before = cpuTicks(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const used = (cpuTicks(pid) - before) / TICKS;
  const wall = (performance.now() - t0) / 1000;
  const c1 = base ? await counts(base) : { frames: 0, inferred: 0 };
  return { cpuPercent: (100 * used) / wall, seconds: wall, frames: c1.frames - c0.frames, inferred: c1.inferred - c0.inferred };
}

async function withNode<T>(root: string, vision: boolean, run: (pid: number, base: string) => Promise<T>): Promise<T> {
  const camDir = join(root, 'cam');
  const yaml = `vision:\n  enabled: ${vision}\n  cameras:\n    - { name: cam, source: dir, path: ${JSON.stringify(camDir)} }\n`;
  writeFileSync(join(root, 'smollama.yaml'), yaml);
  const data = join(root, vision ? 'data-vision' : 'data-off');
  const node = spawnCli(['start', '--config', join(root, 'smollama.yaml'), '--data-dir', data, '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'llm.host=http://127.0.0.1:9', '--set', 'observer.enabled=false']);
  node.stderr?.resume();
  try {
    const line = await waitForOutput(node, /dashboard: (\S+)/, 120_000);
    return await run(node.pid!, line.replace('dashboard: ', ''));
  } finally {
    await stopNode(node);
  }
}

/** CPU of a vision node on a still and a busy scene (and of the node without vision), % of one core. */
export async function visionNodeBench(options: { seconds?: number; settleSeconds?: number; baseline?: boolean } = {}): Promise<VisionNodeFigures> {
  const seconds = options.seconds ?? 60;
  const settle = (options.settleSeconds ?? 20) * 1000;
  const root = mkdtempSync(join(tmpdir(), 'smollama-vision-node-'));
  try {
    const camDir = join(root, 'cam');
    mkdirSync(camDir);
    const frames = await variants();
    put(camDir, frames[0]!);
    const baseline = options.baseline === false ? undefined : await withNode(root, false, async (pid) => {
      await sleep(settle);
      return window(pid, undefined, seconds);
    });
    return await withNode(root, true, async (pid, base) => {
      // Settled: compiled, the first frame through the models (their load included), then quiet.
      const deadline = Date.now() + 120_000;
      while ((await counts(base)).inferred < 1 && Date.now() < deadline) await sleep(500);
      await sleep(settle);
      const still = await window(pid, base, seconds);
      let k = 1;
      const writer = setInterval(() => put(camDir, frames[k++ % VARIANTS]!), 1000);
      try {
        await sleep(6000); // the first changed frame reaches the models
        const busy = await window(pid, base, seconds);
        const { rssMb } = await counts(base);
        return { ...(baseline ? { baseline } : {}), still, busy, ...(rssMb === undefined ? {} : { modelsRssMb: rssMb }) };
      } finally {
        clearInterval(writer);
      }
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The figures as `npm run bench` tabulates them (test/bench/report.ts). */
export function visionNodeFigures(r: VisionNodeFigures): { figures: Figure[]; method: string[] } {
  const added = (w: VisionNodeWindow) => (r.baseline ? `, +${(w.cpuPercent - r.baseline.cpuPercent).toFixed(2)} over the node without vision` : '');
  const figures: Figure[] = [
    { name: 'vision node CPU, still scene (1 frame / 5 s, motion gating)', value: r.still.cpuPercent, unit: '% core', target: 3, better: 'lower', note: `${r.still.frames} frames, ${r.still.inferred} inferred${added(r.still)}` },
    { name: 'vision node CPU, busy scene (every frame changes)', value: r.busy.cpuPercent, unit: '% core', target: undefined, better: 'lower', note: `${r.busy.frames} frames, ${r.busy.inferred} inferred (detect + scene labels)${added(r.busy)}` },
  ];
  if (r.baseline) figures.push({ name: 'node CPU without vision (same config, vision off)', value: r.baseline.cpuPercent, unit: '% core', target: undefined, better: 'lower', note: 'default system sensors, simulated GPIO' });
  const method = [
    `vision node: test/bench/vision-node-bench.ts, smollama start (tsx) with one dir camera at the defaults (1 frame / 5 s, motion gating, 416 px), utime+stime of every thread from /proc/<pid>/stat over ${Math.round(r.still.seconds)} s windows after the first model load and a settle; busy = a new frame every second (opencv-doc messi5/basketball1 with a moving black square)`,
  ];
  return { figures, method };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, 'no-baseline': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });
  const seconds = values.seconds ? Number(values.seconds) : values.quick ? 20 : 60;
  const r = await visionNodeBench({ seconds, ...(values.quick ? { settleSeconds: 10 } : {}), baseline: !values['no-baseline'] });
  process.stdout.write(`${JSON.stringify(values.json ? { ...visionNodeFigures(r), details: r } : r)}\n`);
}
