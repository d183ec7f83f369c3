/**
 * A WebAssembly SIMD (f64x2) `axpy` and the memory it works on, for the sparse route of the Gram
 * matrix (covariance.ts): each nonzero of a rare column adds a multiple of its row's busy values
 * to that column's accumulator row. Assembled on first use; null where WebAssembly SIMD is missing
 * (the caller then runs the same loop in JavaScript).
 *
 * `axpy(y, x, pairs, a)`: `y[0 … 2·pairs) += a · x[0 … 2·pairs)` for float64 vectors at byte
 * offsets y and x (any 8-byte alignment).
 * @internal
 */
import { wasm } from '@nidkit/core/kernels';
import { lazyInstances } from './wasm-instance.js';

const {
  BLOCK_LOOP,
  END_END,
  F64,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_MUL,
  V128,
  F64X2_ADD,
  F64X2_MUL,
  assembleModule,
  emitter,
  functionBody,
  get,
  i32c,
  set,
} = wasm;
const vload = (off: number): number[] => wasm.vload(off, 3);
const vstore = (off: number): number[] => wasm.vstore(off, 3);
const F64X2_SPLAT = [0xfd, 0x14];

function axpyBody(): number[] {
  const P = { y: 0, x: 1, pairs: 2, a: 3 };
  const L = { end: 4, av: 5 };
  const { code, e } = emitter();
  e(get(P.a), F64X2_SPLAT, set(L.av));
  e(get(P.y), get(P.pairs), i32c(16), I32_MUL, I32_ADD, set(L.end));
  e(BLOCK_LOOP, get(P.y), get(L.end), I32_GE_U, 0x0d, 1);
  e(get(P.y), get(P.y), vload(0), get(P.x), vload(0), get(L.av), F64X2_MUL, F64X2_ADD, vstore(0));
  e(get(P.y), i32c(16), I32_ADD, set(P.y));
  e(get(P.x), i32c(16), I32_ADD, set(P.x), 0x0c, 0, END_END);
  e(0x0b);
  return functionBody(
    [
      [1, I32],
      [1, V128],
    ],
    code,
  );
}

/** The kernel's signature (byte offsets, pair count, factor). */
export type AxpyKernel = (y: number, x: number, pairs: number, a: number) => void;

/** A memory of at least the requested size with the kernel bound to it. */
export interface AxpyWorkspace {
  readonly buffer: ArrayBuffer;
  readonly axpy: AxpyKernel;
}

const instances = lazyInstances(() =>
  assembleModule({
    types: [[I32, I32, I32, F64]],
    memory: { shared: false },
    functions: [{ type: 0, name: 'axpy', body: axpyBody() }],
  }),
);

/**
 * A fresh memory of at least `bytes` bytes with the `axpy` kernel, or null when WebAssembly SIMD
 * is unavailable or more than 2 GiB are asked for.
 * @param bytes - memory the caller lays out itself
 */
export function axpyWorkspace(bytes: number): AxpyWorkspace | null {
  const inst = instances(bytes);
  return inst ? { buffer: inst.buffer, axpy: inst.exports.axpy as AxpyKernel } : null;
}
