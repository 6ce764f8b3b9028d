import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import { ErrorCodes, SmolError, isSmolError, type ErrorCode } from '../../core/errors.js';
import { exportValue, newExporter, MAX_EXPORT_DEPTH, type Exported } from './sandbox-export.js';
import type { SandboxPort, SandboxResult } from '../../core/tools/ports.js';

const WASM_PAGE = 65_536;
const INITIAL_PAGES = 256;

export interface SandboxLimits {
  /** Wall-clock limit for one run (ms). */
  readonly timeoutMs: number;
  /** QuickJS heap limit (bytes). */
  readonly memoryBytes: number;
  /** QuickJS stack limit (bytes). */
  readonly stackBytes: number;
  /** Console lines kept (default 100) and characters per line (default 2,000). */
  readonly maxConsoleLines?: number;
  readonly maxLineChars?: number;
}

/**
 * run_code's sandbox: QuickJS compiled to WebAssembly, a fresh wasm module per run (so nothing
 * leaks between runs and its memory is released with it), with no host objects at all — no
 * require, process, fetch, timers or module loader; only the language and a captured console.
 *
 * QuickJS' own memory limit does not bound what the wasm instance grows to (a loop of large
 * allocations grew it to 2 GB), and the interrupt handler is polled too rarely to catch that in
 * time. So each module gets its own WebAssembly.Memory with a `maximum`: past it, malloc fails
 * and QuickJS throws "out of memory". The interrupt handler enforces the deadline.
 */
export class QuickJsSandbox implements SandboxPort {
  constructor(private readonly limits: SandboxLimits) {}

  /** Throws SMOL_SANDBOX_TIMEOUT, SMOL_SANDBOX_MEMORY, SMOL_SANDBOX_STACK, SMOL_SANDBOX_ERROR. */
  async run(code: string): Promise<SandboxResult> {
    const started = Date.now();
    // Emscripten's initial 16 MB, plus the heap limit, plus headroom for the interpreter itself.
    const maximum = INITIAL_PAGES + Math.ceil((this.limits.memoryBytes + 8 * 1024 * 1024) / WASM_PAGE);
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum });
    const mod = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
    const runtime = mod.newRuntime();
    runtime.setMemoryLimit(this.limits.memoryBytes);
    runtime.setMaxStackSize(this.limits.stackBytes);
    const state: RunState = { deadline: Infinity, interrupted: undefined, broken: undefined };
    runtime.setInterruptHandler(() => {
      if (state.broken) return true;
      if (Date.now() > state.deadline) state.interrupted = 'timeout';
      return state.interrupted !== undefined;
    });
    const vm = runtime.newContext();
    const exporter = newExporter(vm);
    const lines: string[] = [];
    try {
      this.installConsole(vm, exporter, lines, state);
      // The clock starts with the code, not with loading the module.
      state.deadline = Date.now() + this.limits.timeoutMs;
      const result = vm.evalCode(code, 'run_code.js');
      if (result.error) throw this.thrown(vm, exporter, result.error, state);
      let value: unknown;
      try {
        value = this.settle(vm, runtime, exporter, result.value, state);
      } finally {
        result.value.dispose();
      }
      if (state.broken) throw state.broken;
      if (state.interrupted) throw this.failure(undefined, state.interrupted);
      return { value, console: lines, durationMs: Date.now() - started };
    } catch (err) {
      if (!isSmolError(err)) state.broken ??= hostFailure(err);
      throw state.broken ?? err;
    } finally {
      // A host error inside the wasm code (its own stack running out first) unwinds QuickJS' C
      // frames without their cleanup: that heap can be neither used nor freed (freeing it aborts
      // on an assertion), so it is dropped with the module and its memory, untouched. Otherwise
      // handles go first, then the context, then the runtime.
      if (!state.broken) {
        exporter.dispose();
        vm.dispose();
        runtime.dispose();
      }
    }
  }

  /** The value as JSON data; a promise is run to completion (its jobs only: there are no timers). */
  private settle(vm: QuickJSContext, runtime: QuickJSRuntime, exporter: QuickJSHandle, handle: QuickJSHandle, state: RunState): unknown {
    const first = vm.getPromiseState(handle);
    if ('notAPromise' in first && first.notAPromise) return this.read(vm, exporter, handle, state);
    if (first.type === 'fulfilled') first.value.dispose();
    if (first.type === 'rejected') first.error.dispose();
    const jobs = runtime.executePendingJobs();
    if (jobs.error) throw this.thrown(vm, exporter, jobs.error, state);
    const settled = vm.getPromiseState(handle);
    if (settled.type === 'pending') throw new SmolError(ErrorCodes.SANDBOX_ERROR, 'run_code: the promise never settles (there are no timers or I/O in the sandbox)');
    if (settled.type === 'rejected') throw this.thrown(vm, exporter, settled.error, state);
    try {
      return this.read(vm, exporter, settled.value, state);
    } finally {
      settled.value.dispose();
    }
  }

  /** A result as JSON data (undefined for undefined and functions). */
  private read(vm: QuickJSContext, exporter: QuickJSHandle, handle: QuickJSHandle, state: RunState): unknown {
    const out = exportValue(vm, exporter, handle);
    if (out.kind === 'none') return undefined;
    if (out.kind === 'json') return JSON.parse(out.json) as unknown;
    if (out.kind === 'too-deep') throw tooDeep('the result');
    throw this.failure(out, state.interrupted);
  }

  /** The failure for a value the code threw; consumes `handle`. */
  private thrown(vm: QuickJSContext, exporter: QuickJSHandle, handle: QuickJSHandle, state: RunState): SmolError {
    try {
      const out = exportValue(vm, exporter, handle, true);
      return this.failure(out.kind === 'failed' ? out : undefined, state.interrupted);
    } finally {
      handle.dispose();
    }
  }

  private installConsole(vm: QuickJSContext, exporter: QuickJSHandle, lines: string[], state: RunState): void {
    const maxLines = this.limits.maxConsoleLines ?? 100;
    const maxChars = this.limits.maxLineChars ?? 2000;
    const consoleObj = vm.newObject();
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      const fn = vm.newFunction(level, (...args: QuickJSHandle[]) => {
        if (state.broken) return;
        try {
          if (lines.length < maxLines) {
            const text = args.map((a) => (vm.typeof(a) === 'string' ? vm.getString(a) : consoleText(exportValue(vm, exporter, a)))).join(' ');
            lines.push((level === 'log' ? '' : `[${level}] `) + text.slice(0, maxChars));
          } else if (lines.length === maxLines) lines.push('… (console output cut)');
        } catch (err) {
          // Same as in run(): the heap is unusable now; the interrupt handler stops the code.
          state.broken = hostFailure(err);
        }
      });
      vm.setProp(consoleObj, level, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', consoleObj);
    consoleObj.dispose();
  }

  private failure(err: { name: string; message: string } | undefined, interrupted: 'timeout' | undefined): SmolError {
    const message = err ? `${err.name}: ${err.message}` : 'Error: the code failed';
    // The code may have run out of memory or stack just as the deadline passed: the error says which.
    if (interrupted === 'timeout' && (err === undefined || /interrupted/i.test(message))) {
      return new SmolError(ErrorCodes.SANDBOX_TIMEOUT, `run_code: stopped after ${this.limits.timeoutMs} ms`);
    }
    let code: ErrorCode = ErrorCodes.SANDBOX_ERROR;
    if (/out of memory|string too long|invalid array buffer length/i.test(message)) code = ErrorCodes.SANDBOX_MEMORY;
    else if (/stack overflow|too much recursion|Maximum call stack/i.test(message)) code = ErrorCodes.SANDBOX_STACK;
    else if (/interrupted/i.test(message)) code = ErrorCodes.SANDBOX_TIMEOUT;
    return new SmolError(code, `run_code: ${message}`);
  }
}

interface RunState {
  deadline: number;
  interrupted: 'timeout' | undefined;
  /** Set when a host error escaped the wasm code: the run fails with it and the heap is dropped unfreed. */
  broken: SmolError | undefined;
}

/** A host error from inside the wasm code: V8's stack ran out before QuickJS' own limit did. */
function hostFailure(err: unknown): SmolError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError || /call stack|recursion/i.test(message)) {
    return new SmolError(ErrorCodes.SANDBOX_STACK, 'run_code: the code or its value is nested deeper than the sandbox\'s stack allows', { cause: err });
  }
  return new SmolError(ErrorCodes.SANDBOX_ERROR, `run_code: the sandbox failed (${message})`, { cause: err });
}

function tooDeep(what: string): SmolError {
  return new SmolError(ErrorCodes.SANDBOX_STACK, `run_code: ${what} is nested deeper than ${MAX_EXPORT_DEPTH} levels`);
}

/** A console argument as text: JSON for data, a marker for what cannot be shown. */
function consoleText(out: Exported): string {
  if (out.kind === 'json') return out.json;
  if (out.kind === 'none') return 'undefined';
  if (out.kind === 'too-deep') return `[nested deeper than ${MAX_EXPORT_DEPTH} levels]`;
  return `[${out.name}: ${out.message}]`;
}
