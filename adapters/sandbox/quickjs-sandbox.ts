import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import { ErrorCodes, SmolError, type ErrorCode } from '../../core/errors.js';
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
    let deadline = Infinity;
    let interrupted: 'timeout' | undefined;
    runtime.setInterruptHandler(() => {
      if (Date.now() > deadline) interrupted = 'timeout';
      return interrupted !== undefined;
    });
    const vm = runtime.newContext();
    const lines: string[] = [];
    try {
      this.installConsole(vm, lines);
      // The clock starts with the code, not with loading the module.
      deadline = Date.now() + this.limits.timeoutMs;
      const result = vm.evalCode(code, 'run_code.js');
      if (result.error) {
        const err = vm.dump(result.error) as unknown;
        result.error.dispose();
        throw this.failure(err, interrupted);
      }
      let value: unknown;
      try {
        value = this.settle(vm, runtime, result.value, interrupted);
      } finally {
        result.value.dispose();
      }
      if (interrupted) throw this.failure(undefined, interrupted);
      return { value, console: lines, durationMs: Date.now() - started };
    } finally {
      // The module is thrown away with this run, so a handle QuickJS still counts must not crash the node.
      try {
        vm.dispose();
        runtime.dispose();
      } catch {
        /* released with the module */
      }
    }
  }

  /** The value as JSON data; a promise is run to completion (its jobs only: there are no timers). */
  private settle(vm: QuickJSContext, runtime: QuickJSRuntime, handle: QuickJSHandle, interrupted: 'timeout' | undefined): unknown {
    const first = vm.getPromiseState(handle);
    if ('notAPromise' in first && first.notAPromise) return toJson(vm.dump(handle));
    if (first.type === 'fulfilled') first.value.dispose();
    if (first.type === 'rejected') first.error.dispose();
    const jobs = runtime.executePendingJobs();
    if (jobs.error) {
      const err = vm.dump(jobs.error) as unknown;
      jobs.error.dispose();
      throw this.failure(err, interrupted);
    }
    const state = vm.getPromiseState(handle);
    if (state.type === 'pending') throw new SmolError(ErrorCodes.SANDBOX_ERROR, 'run_code: the promise never settles (there are no timers or I/O in the sandbox)');
    if (state.type === 'rejected') {
      const err = vm.dump(state.error) as unknown;
      state.error.dispose();
      throw this.failure(err, interrupted);
    }
    try {
      return toJson(vm.dump(state.value));
    } finally {
      state.value.dispose();
    }
  }

  private installConsole(vm: QuickJSContext, lines: string[]): void {
    const maxLines = this.limits.maxConsoleLines ?? 100;
    const maxChars = this.limits.maxLineChars ?? 2000;
    const consoleObj = vm.newObject();
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      const fn = vm.newFunction(level, (...args: QuickJSHandle[]) => {
        if (lines.length < maxLines) {
          const text = args.map((a) => { const v = vm.dump(a); return typeof v === 'string' ? v : safeStringify(v); }).join(' ');
          lines.push((level === 'log' ? '' : `[${level}] `) + text.slice(0, maxChars));
        } else if (lines.length === maxLines) lines.push('… (console output cut)');
      });
      vm.setProp(consoleObj, level, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', consoleObj);
    consoleObj.dispose();
  }

  private failure(err: unknown, interrupted: 'timeout' | undefined): SmolError {
    const e = (err ?? {}) as { name?: string; message?: string; stack?: string };
    const message = `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
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

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The dumped value as JSON data (functions and undefined become undefined; cycles cannot occur in a dump). */
function toJson(v: unknown): unknown {
  if (v === undefined) return undefined;
  const s = safeStringify(v);
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}
