/**
 * Instances of function-class's WebAssembly modules: each module is compiled once, on first use,
 * and every instance gets a fresh, non-shared memory that its caller lays out.
 * @internal
 */
import { wasm } from '@nidkit/core/kernels';

/** A fresh memory with a module's exports bound to it. */
export interface WasmInstance {
  readonly buffer: ArrayBuffer;
  readonly exports: Record<string, unknown>;
}

/**
 * A factory of instances of the module `build()` assembles (compiled on the first call). The
 * factory returns null when WebAssembly SIMD is unavailable or more than 2 GiB are asked for.
 * @param build - the module's bytes (importing `env.mem`)
 */
export function lazyInstances(build: () => Uint8Array): (bytes: number) => WasmInstance | null {
  let compiled: object | null | undefined;
  return (bytes) => {
    const api = wasm.wasmApi();
    if (compiled === undefined) {
      const bin = build();
      compiled = api?.validate(bin) ? new api.Module(bin) : null;
    }
    if (compiled === null || api === undefined) return null;
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    if (pages > 32768) return null; // byte offsets stay below 2³¹
    const mem = new api.Memory({ initial: pages });
    const inst = new api.Instance(compiled, { env: { mem } });
    return { buffer: mem.buffer as ArrayBuffer, exports: inst.exports };
  };
}
