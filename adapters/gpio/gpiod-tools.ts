/**
 * The LineDriver over the gpiod tools (Debian package `gpiod`): `gpiodetect` lists chips,
 * `gpioget` reads inputs once, a long-running `gpiomon` per chip and bias reports edges as the
 * kernel sees them (interrupts, not polling), and a `gpioset` per chip holds the outputs.
 *
 * Why child processes and not a native binding: node-libgpiod builds only against libgpiod 1.x
 * and exposes no way to read edge events, rpio has no RP1 driver, onoff uses the removed sysfs
 * interface. The tools exist in both libgpiod generations (1.6 on bookworm, 2.x on trixie), need
 * no compiler or node-gyp on the Pi, run under any Node.js, and a crash in one cannot take the
 * node down. The price is a process spawn per output write (a few ms on a Pi), which is fine for
 * relays and LEDs; edges cost nothing extra because gpiomon stays running.
 */
import { execFile, spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { byBias, getArgs, monArgs, parseGetOutput, parseGpiodetect, parseGpiodVersion, parseMonLine, setArgs, type GpiodMajor } from './gpiod-dialect.js';
import type { InputRequest, InputWatch, LineDriver, LineEdge, OutputHold, OutputRequest } from './line-port.js';

/** Where the tools are and how to start them; tests point `toolDir` at stand-in scripts. */
export interface GpiodToolsOptions {
  /** Directory of gpiodetect, gpioget, gpiomon, gpioset; default: found on PATH. */
  readonly toolDir?: string;
  readonly spawn?: typeof nodeSpawn;
  /** How long a tool may take to answer (ms). Default 3000. */
  readonly timeoutMs?: number;
}

function unavailable(message: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, message, cause === undefined ? {} : { cause });
}

function run(tool: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(unavailable(`${tool} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`, err));
      else resolve(String(stdout));
    });
  });
}

/** Stops a held process and waits for it to exit (SIGKILL after 1 s). */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
    kill.unref();
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a long-running tool; resolves once it runs, rejects when it cannot start or dies at once. */
function hold(spawn: typeof nodeSpawn, tool: string, args: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const early = (code: number | null) => reject(unavailable(`${tool} ${args.join(' ')} exited (${code}): ${stderr.trim()}`));
    child.once('error', (err) => reject(unavailable(`${tool} could not be started: ${err.message}`, err)));
    child.once('spawn', () => {
      // A request the kernel refuses (line busy, no permission) ends the tool within milliseconds.
      child.once('exit', early);
      const settle = setTimeout(() => {
        child.off('exit', early);
        resolve(child);
      }, 30);
      settle.unref();
    });
  });
}

/** The driver when the gpiod tools answer here; throws SMOL_SENSOR_UNAVAILABLE saying why not. */
export async function openGpiodTools(options: GpiodToolsOptions = {}): Promise<LineDriver> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const spawn = options.spawn ?? nodeSpawn;
  const tool = (name: string) => (options.toolDir === undefined ? name : join(options.toolDir, name));
  const versionText = await run(tool('gpiodetect'), ['--version'], timeoutMs).catch((err: unknown) => {
    throw unavailable('the gpiod tools are not installed (sudo apt install gpiod)', err);
  });
  const parsed = parseGpiodVersion(versionText);
  if (!parsed) throw unavailable(`gpiodetect --version printed no libgpiod 1.x or 2.x version: ${versionText.trim().split('\n')[0]}`);
  const major: GpiodMajor = parsed.major;

  return {
    description: `gpiod tools v${parsed.version}`,
    async chips() {
      return parseGpiodetect(await run(tool('gpiodetect'), [], timeoutMs));
    },

    async watchInputs(request: InputRequest, onEdge: (edge: LineEdge) => void, onError: (err: unknown) => void): Promise<InputWatch> {
      const groups = byBias(request.lines);
      const initial = new Map<number, 0 | 1>();
      const monitors: ChildProcess[] = [];
      let closing = false;
      try {
        for (const [bias, offsets] of groups) {
          // Read first: while gpiomon holds a line, no other request (gpioget) can read it.
          const values = parseGetOutput(await run(tool('gpioget'), getArgs(major, request.chip, bias, offsets, request.consumer), timeoutMs), offsets);
          for (const [o, v] of values) initial.set(o, v);
          const child = await hold(spawn, tool('gpiomon'), monArgs(major, request.chip, bias, offsets, request.consumer));
          monitors.push(child);
          createInterface({ input: child.stdout! }).on('line', (line) => {
            const edge = parseMonLine(major, line);
            if (edge) onEdge(edge);
          });
          child.once('exit', (code) => {
            if (!closing) onError(unavailable(`gpiomon on ${request.chip} lines ${offsets.join(',')} exited (${code}); their edges are no longer seen`));
          });
        }
      } catch (err) {
        closing = true;
        await Promise.all(monitors.map(stopProcess));
        throw err;
      }
      return {
        initial,
        async close() {
          closing = true;
          await Promise.all(monitors.map(stopProcess));
        },
      };
    },

    async holdOutputs(request: OutputRequest): Promise<OutputHold> {
      const values = new Map(request.values);
      let child = await hold(spawn, tool('gpioset'), setArgs(major, request.chip, values, request.consumer));
      // One change at a time: the old holder must have released the lines before the new one asks.
      let queue: Promise<void> = Promise.resolve();
      return {
        set(changes) {
          const next = queue.then(async () => {
            const wanted = new Map([...values, ...changes]);
            await stopProcess(child);
            child = await hold(spawn, tool('gpioset'), setArgs(major, request.chip, wanted, request.consumer));
            for (const [o, v] of changes) values.set(o, v);
          });
          queue = next.catch(() => undefined);
          return next;
        },
        async close() {
          await queue;
          await stopProcess(child);
        },
      };
    },
  };
}
