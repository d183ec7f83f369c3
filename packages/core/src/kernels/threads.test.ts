import { describe, expect, it } from 'vitest';
import { NidkitError } from '../errors.js';
import { SharedKernel, ensureWorkers, threadsAvailable } from './threads.js';
import { wasmApi } from './wasm-asm.js';
import { gemmModule } from './wasm-module.js';

describe('worker threads', () => {
  it('a kernel that fails in a worker is a WORKER_FAILED error, not a hang', () => {
    expect(threadsAvailable()).toBe(true);
    const module = gemmModule(true)!;
    const memory = new (wasmApi()!.Memory)({ initial: 1, maximum: 1, shared: true });
    const pool = ensureWorkers(1);
    expect(pool.length).toBe(1);
    const kernel = new SharedKernel(pool, module, memory, 16);
    // GEMM calls whose panels lie far outside the 64 KiB memory: the worker traps
    const bad = [0, 1 << 30, 1 << 30, 0, 1, 0, 1, 2, 64, 64, 64, 0];
    const jobs = Array.from({ length: 10 }, () => [bad]);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    // this thread naps on each job it takes, so the worker gets some of them
    expect(() => kernel.run(jobs, () => Atomics.wait(nap, 0, 0, 50))).toThrow(NidkitError);
    expect(() => kernel.run(jobs, () => Atomics.wait(nap, 0, 0, 50))).toThrow(
      /a worker thread .*failed|WebAssembly kernel failed in a worker thread/,
    );
    kernel.close();
  });
});
