import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

/** Results, console arguments and thrown values nested deeper than this are refused (SMOL_SANDBOX_STACK). */
export const MAX_EXPORT_DEPTH = 100;

/**
 * How a value left the sandbox: JSON text, nothing (undefined, a function), too deep, or the
 * error that converting it threw (a getter, a toJSON, an interrupt).
 */
export type Exported =
  | { readonly kind: 'json'; readonly json: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'too-deep' }
  | { readonly kind: 'failed'; readonly name: string; readonly message: string };

/**
 * Converts values to JSON inside the VM, one level of recursion per level of nesting and never
 * more than MAX_EXPORT_DEPTH of them. quickjs-emscripten's own dump recurses without a limit: a
 * result like `a = [a]` 100,000 times deep exhausted the host's stack inside the wasm code, which
 * surfaced as a host RangeError and left the interpreter's heap half-unwound (freeing it then
 * aborted on QuickJS' `list_empty(&rt->gc_obj_list)` assertion).
 *
 * It is compiled before the user's code runs and keeps the intrinsics it needs in its closure,
 * so code that replaces JSON.stringify or Error cannot change how its result is read. It answers
 * with a one-letter tag and never throws, so reading its answer cannot recurse again.
 */
const EXPORTER_SOURCE = `(() => {
  const stringify = JSON.stringify, ErrorType = Error, Depths = WeakMap, toStr = String;
  const depthGet = WeakMap.prototype.get, depthSet = WeakMap.prototype.set, apply = Reflect.apply;
  const describe = (e) => {
    try {
      if (e instanceof ErrorType) return 'E' + stringify([toStr(e.name), toStr(e.message)]);
      return 'E' + stringify(['Error', typeof e === 'string' ? e : 'a thrown ' + typeof e]);
    } catch (_) {
      return 'E' + stringify(['Error', 'an error that cannot be described']);
    }
  };
  return (value, maxDepth, asError) => {
    if (asError) return describe(value);
    const depths = new Depths();
    let tooDeep = false;
    try {
      const json = stringify(value, function (key, v) {
        const depth = (apply(depthGet, depths, [this]) ?? 0) + 1;
        if (typeof v === 'bigint') return toStr(v);
        if (v instanceof ErrorType) v = { name: toStr(v.name), message: toStr(v.message) };
        if (v !== null && typeof v === 'object') {
          if (depth > maxDepth) { tooDeep = true; throw new ErrorType('too deep'); }
          apply(depthSet, depths, [v, depth]);
        }
        return v;
      });
      return json === undefined ? 'U' : 'J' + json;
    } catch (e) {
      return tooDeep ? 'D' : describe(e);
    }
  };
})()`;

/** Compiles the exporter in `vm` (before any user code). */
export function newExporter(vm: QuickJSContext): QuickJSHandle {
  const result = vm.evalCode(EXPORTER_SOURCE, 'smol-export.js');
  if (result.error) {
    result.error.dispose();
    throw new TypeError('the sandbox exporter does not compile');
  }
  return result.value;
}

/**
 * Reads `handle` out of the VM through the exporter. If the exporter itself was stopped (the
 * interrupt handler, the memory limit), the answer is that error, read one property deep.
 */
export function exportValue(vm: QuickJSContext, exporter: QuickJSHandle, handle: QuickJSHandle, asError = false): Exported {
  const depth = vm.newNumber(MAX_EXPORT_DEPTH);
  const result = vm.callFunction(exporter, vm.undefined, [handle, depth, asError ? vm.true : vm.false]);
  depth.dispose();
  if (result.error) {
    try {
      return { kind: 'failed', name: stringProp(vm, result.error, 'name') ?? 'InternalError', message: stringProp(vm, result.error, 'message') ?? 'the value could not be read' };
    } finally {
      result.error.dispose();
    }
  }
  const text = vm.getString(result.value);
  result.value.dispose();
  const tag = text[0];
  if (tag === 'J') return { kind: 'json', json: text.slice(1) };
  if (tag === 'U') return { kind: 'none' };
  if (tag === 'D') return { kind: 'too-deep' };
  const [name, message] = JSON.parse(text.slice(1)) as [string, string];
  return { kind: 'failed', name, message };
}

function stringProp(vm: QuickJSContext, handle: QuickJSHandle, key: string): string | undefined {
  if (vm.typeof(handle) !== 'object') return undefined;
  const prop = vm.getProp(handle, key);
  try {
    return vm.typeof(prop) === 'string' ? vm.getString(prop) : undefined;
  } finally {
    prop.dispose();
  }
}
