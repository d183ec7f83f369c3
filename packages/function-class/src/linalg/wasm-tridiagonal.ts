/**
 * WebAssembly SIMD (f64x2) kernels for the symmetric eigensolvers, assembled from bytes on first
 * use (nothing happens on import). When WebAssembly SIMD is unavailable the callers run the
 * equivalent plain-JS loops instead.
 *
 * `us(a, ld, b0, nb, u, q, w, p)` — one fused Householder step (see householderReduce) on the lower
 * triangle of rows `2·b0 … 2·nb−1` of the row-major matrix at byte offset `a` (`ld` bytes per row):
 * for k ≤ j, `A[j, k] −= u[j]·q[k] + q[j]·u[k]`, then `p += A·w` with the updated block
 * (symmetric, from the lower triangle; p accumulates), u, q, w, p float64 vectors at the given
 * byte offsets. Rows go two at a time ({@link ROWS}): f64x2 over the columns left of the pair's
 * diagonal block, scalar code for the 2×2 diagonal block.
 *
 * `bt(y, ldy, ng, meta, pairs)` — Householder reflectors applied two at a time to `VECS·ng`
 * vectors (`ldy` bytes apart from byte offset `y`), each group of VECS vectors taking all the
 * reflector pairs in turn. Pair i is described at `meta + i·BT_META·8` by the float64s
 * `[u1, u2, mb, invh1, invh2, c]`: byte offsets of its two vectors (zero-padded to `mb` bytes, a
 * multiple of 16), and `y ← P2 P1 y` with `P_i = I − invh_i·u_i u_iᵀ` is computed over the first
 * `mb` bytes of y as `g1 = invh1·u1ᵀy`, `g2 = invh2·(u2ᵀy − g1·c)` with `c = u2ᵀu1`,
 * `y −= g1·u1 + g2·u2`.
 *
 * The shared-memory variant ({@link sharedKernelModule}) adds `hw(ctrl)`, the loop a worker thread
 * runs to take rows of each `us` step (see householder-helper and {@link CTRL}).
 * @internal
 */

import { wasm } from '@nidkit/core/kernels';
import { lazyInstances } from './wasm-instance.js';

/** Rows per block of the `us` kernel (the kernel is written for exactly two). */
export const ROWS = 2;
/** Vectors per group of the `bt` kernel. */
export const VECS = 4;

const {
  BLOCK_LOOP,
  END_END,
  F64,
  F64_ADD,
  F64_MUL,
  F64_SUB,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_MUL,
  V128,
  V128_ZERO: V_ZERO,
  F64X2_ADD: V_ADD,
  F64X2_MUL: V_MUL,
  F64X2_SUB: V_SUB,
  assembleModule,
  emitter,
  f64load,
  f64store,
  functionBody,
  get,
  i32c,
  lane,
  load64Splat: splat64,
  set,
  tee,
} = wasm;
/** 16-byte-aligned vector access (the kernels' vectors are). */
const vload = (off: number): number[] => wasm.vload(off, 4);
const vstore = (off: number): number[] => wasm.vstore(off, 4);

function usBody(): number[] {
  const P = { a: 0, ld: 1, b0: 2, nb: 3, u: 4, q: 5, w: 6, p: 7 };
  const L = { b: 8, kEnd: 9, kb: 10, r: 11 }; // r: ROWS row addresses
  const numI32 = 3 + ROWS;
  let next = 8 + numI32;
  const U = next;
  next += ROWS;
  const Q = next;
  next += ROWS;
  const W = next;
  next += ROWS;
  const S = next;
  next += ROWS;
  const QK = next++;
  const UK = next++;
  const WK = next++;
  const PK = next++;
  const AT = next++;
  const numV128 = next - (8 + numI32);
  const { code, e } = emitter();
  e(get(P.b0), set(L.b));
  e(BLOCK_LOOP, get(L.b), get(P.nb), I32_GE_U, 0x0d, 1);
  // kEnd = b·ROWS·8 (bytes of the columns k < j); r_0 = a + b·ROWS·ld; r_t = r_{t−1} + ld
  e(get(L.b), i32c(ROWS * 8), I32_MUL, set(L.kEnd));
  e(get(P.a), get(L.b), i32c(ROWS), I32_MUL, get(P.ld), I32_MUL, I32_ADD, set(L.r));
  for (let t = 1; t < ROWS; t++) e(get(L.r + t - 1), get(P.ld), I32_ADD, set(L.r + t));
  for (let t = 0; t < ROWS; t++) {
    e(get(P.u), get(L.kEnd), I32_ADD, splat64(t * 8), set(U + t));
    e(get(P.q), get(L.kEnd), I32_ADD, splat64(t * 8), set(Q + t));
    e(get(P.w), get(L.kEnd), I32_ADD, splat64(t * 8), set(W + t));
    e(V_ZERO, set(S + t));
  }
  e(i32c(0), set(L.kb));
  e(BLOCK_LOOP, get(L.kb), get(L.kEnd), I32_GE_U, 0x0d, 1);
  e(get(P.q), get(L.kb), I32_ADD, vload(0), set(QK));
  e(get(P.u), get(L.kb), I32_ADD, vload(0), set(UK));
  e(get(P.w), get(L.kb), I32_ADD, vload(0), set(WK));
  e(get(P.p), get(L.kb), I32_ADD, vload(0), set(PK));
  for (let t = 0; t < ROWS; t++) {
    // at = A[r_t + kb] − (U_t·qk + Q_t·uk); store; S_t += at·wk; pk += at·W_t
    e(get(L.r + t), get(L.kb), I32_ADD); // address for the store
    e(get(L.r + t), get(L.kb), I32_ADD, vload(0));
    e(get(U + t), get(QK), V_MUL, get(Q + t), get(UK), V_MUL, V_ADD, V_SUB);
    e(tee(AT));
    e(vstore(0));
    e(get(S + t), get(AT), get(WK), V_MUL, V_ADD, set(S + t));
    e(get(PK), get(AT), get(W + t), V_MUL, V_ADD, set(PK));
  }
  e(get(P.p), get(L.kb), I32_ADD, get(PK), vstore(0));
  e(get(L.kb), i32c(16), I32_ADD, set(L.kb), 0x0c, 0, END_END);
  // the 2×2 diagonal block (scalar): a00 = A[j][j], a10 = A[j+1][j], a11 = A[j+1][j+1]
  const F = { u0: next, q0: next + 1, w0: next + 2, u1: next + 3, q1: next + 4, w1: next + 5 };
  const F_A00 = next + 6;
  const F_A10 = next + 7;
  const F_A11 = next + 8;
  const F_S0 = next + 9;
  const F_S1 = next + 10;
  const numF64 = 11;
  e(get(U), lane(0), set(F.u0), get(Q), lane(0), set(F.q0), get(W), lane(0), set(F.w0));
  e(get(U + 1), lane(0), set(F.u1), get(Q + 1), lane(0), set(F.q1), get(W + 1), lane(0), set(F.w1));
  e(get(S), lane(0), get(S), lane(1), F64_ADD, set(F_S0));
  e(get(S + 1), lane(0), get(S + 1), lane(1), F64_ADD, set(F_S1));
  const diag = (
    row: number,
    col: number,
    fu: number,
    fq: number,
    cu: number,
    cq: number,
    out: number,
  ): void => {
    // out = A[r_row + kEnd + col·8] − (u_row·q_col + q_row·u_col); stored back
    e(get(L.r + row), get(L.kEnd), I32_ADD);
    e(get(L.r + row), get(L.kEnd), I32_ADD, f64load(col * 8));
    e(get(fu), get(cq), F64_MUL, get(fq), get(cu), F64_MUL, F64_ADD, F64_SUB);
    e(tee(out), f64store(col * 8));
  };
  diag(0, 0, F.u0, F.q0, F.u0, F.q0, F_A00);
  diag(1, 0, F.u1, F.q1, F.u0, F.q0, F_A10);
  diag(1, 1, F.u1, F.q1, F.u1, F.q1, F_A11);
  // p[j] += s0 + a00·w0 + a10·w1;  p[j+1] += s1 + a10·w0 + a11·w1
  e(get(P.p), get(L.kEnd), I32_ADD);
  e(get(P.p), get(L.kEnd), I32_ADD, f64load(0));
  e(get(F_S0), get(F_A00), get(F.w0), F64_MUL, F64_ADD, get(F_A10), get(F.w1), F64_MUL, F64_ADD);
  e(F64_ADD, f64store(0));
  e(get(P.p), get(L.kEnd), I32_ADD);
  e(get(P.p), get(L.kEnd), I32_ADD, f64load(8));
  e(get(F_S1), get(F_A10), get(F.w0), F64_MUL, F64_ADD, get(F_A11), get(F.w1), F64_MUL, F64_ADD);
  e(F64_ADD, f64store(8));
  e(get(L.b), i32c(1), I32_ADD, set(L.b), 0x0c, 0, END_END);
  e(0x0b);
  return functionBody(
    [
      [numI32, I32],
      [numV128, V128],
      [numF64, F64],
    ],
    code,
  );
}

/** Float64 entries per reflector pair in the `bt` kernel's table. */
export const BT_META = 6;

function btBody(): number[] {
  const P = { y: 0, ldy: 1, ng: 2, meta: 3, pairs: 4 };
  const L = { g: 5, kb: 6, mp: 7, mEnd: 8, u1: 9, u2: 10, mb: 11, r: 12 }; // r: VECS addresses
  const numI32 = 7 + VECS;
  let next = 5 + numI32;
  const A1 = next; // Σ u1·y_t, then splat(g1_t)
  next += VECS;
  const A2 = next; // Σ u2·y_t, then splat(g2_t)
  next += VECS;
  const U1 = next++;
  const U2 = next++;
  const YS = next++; // the loaded y entries
  const numV128 = next - (5 + numI32);
  const F = { invh1: next, invh2: next + 1, c: next + 2, g1: next + 3 };
  const { code, e } = emitter();
  const I32_TRUNC_F64_U = 0xab;
  const splat = [0xfd, 0x14];
  const yAt = (t: number): number[] => [...get(L.r + t), ...get(L.kb), I32_ADD];
  const hsum = (v: number): number[] => [...get(v), ...lane(0), ...get(v), ...lane(1), F64_ADD];
  // mEnd = meta + pairs·BT_META·8
  e(get(P.meta), get(P.pairs), i32c(BT_META * 8), I32_MUL, I32_ADD, set(L.mEnd));
  e(i32c(0), set(L.g));
  e(BLOCK_LOOP, get(L.g), get(P.ng), I32_GE_U, 0x0d, 1);
  e(get(P.y), get(L.g), i32c(VECS), I32_MUL, get(P.ldy), I32_MUL, I32_ADD, set(L.r));
  for (let t = 1; t < VECS; t++) e(get(L.r + t - 1), get(P.ldy), I32_ADD, set(L.r + t));
  // every reflector pair, in order, on this group of vectors (which stays in L1)
  e(get(P.meta), set(L.mp));
  e(BLOCK_LOOP, get(L.mp), get(L.mEnd), I32_GE_U, 0x0d, 1);
  e(get(L.mp), f64load(0), I32_TRUNC_F64_U, set(L.u1));
  e(get(L.mp), f64load(8), I32_TRUNC_F64_U, set(L.u2));
  e(get(L.mp), f64load(16), I32_TRUNC_F64_U, set(L.mb));
  e(get(L.mp), f64load(24), set(F.invh1));
  e(get(L.mp), f64load(32), set(F.invh2));
  e(get(L.mp), f64load(40), set(F.c));
  for (let t = 0; t < VECS; t++) e(V_ZERO, set(A1 + t), V_ZERO, set(A2 + t));
  // dot products with both reflectors
  e(i32c(0), set(L.kb));
  e(BLOCK_LOOP, get(L.kb), get(L.mb), I32_GE_U, 0x0d, 1);
  e(get(L.u1), get(L.kb), I32_ADD, vload(0), set(U1));
  e(get(L.u2), get(L.kb), I32_ADD, vload(0), set(U2));
  for (let t = 0; t < VECS; t++) {
    e(yAt(t), vload(0), tee(YS));
    e(get(U1), V_MUL, get(A1 + t), V_ADD, set(A1 + t));
    e(get(A2 + t), get(U2), get(YS), V_MUL, V_ADD, set(A2 + t));
  }
  e(get(L.kb), i32c(16), I32_ADD, set(L.kb), 0x0c, 0, END_END);
  // g1 = (u1ᵀy)·invh1; g2 = (u2ᵀy − g1·c)·invh2 (u2ᵀ(P1 y) = u2ᵀy − g1·u2ᵀu1)
  for (let t = 0; t < VECS; t++) {
    e(hsum(A1 + t), get(F.invh1), F64_MUL, set(F.g1));
    e(hsum(A2 + t), get(F.g1), get(F.c), F64_MUL, F64_SUB, get(F.invh2), F64_MUL, splat);
    e(set(A2 + t), get(F.g1), splat, set(A1 + t));
  }
  // y_t −= g1_t·u1 + g2_t·u2
  e(i32c(0), set(L.kb));
  e(BLOCK_LOOP, get(L.kb), get(L.mb), I32_GE_U, 0x0d, 1);
  e(get(L.u1), get(L.kb), I32_ADD, vload(0), set(U1));
  e(get(L.u2), get(L.kb), I32_ADD, vload(0), set(U2));
  for (let t = 0; t < VECS; t++) {
    e(yAt(t));
    e(yAt(t), vload(0), get(A1 + t), get(U1), V_MUL, get(A2 + t), get(U2), V_MUL, V_ADD, V_SUB);
    e(vstore(0));
  }
  e(get(L.kb), i32c(16), I32_ADD, set(L.kb), 0x0c, 0, END_END);
  e(get(L.mp), i32c(BT_META * 8), I32_ADD, set(L.mp), 0x0c, 0, END_END);
  e(get(L.g), i32c(1), I32_ADD, set(L.g), 0x0c, 0, END_END);
  e(0x0b);
  return functionBody(
    [
      [numI32, I32],
      [numV128, V128],
      [4, F64],
    ],
    code,
  );
}

/**
 * Byte offsets in the control block of the `hw` helper loop (Int32s): the command (a sequence
 * number; −1 stops the helper), the helper's state (0 not started, 1 running, 2 cancelled before
 * it started, 3 gone), the last command done, and the `us` arguments of the helper's rows.
 */
export const CTRL = {
  cmd: 0,
  state: 4,
  done: 8,
  a: 16,
  ld: 20,
  b0: 24,
  b1: 28,
  u: 32,
  q: 36,
  w: 40,
  p: 44,
  bytes: 64,
} as const;

/** Spins of the helper without a new command before it leaves (≈0.3 s here). */
const HELPER_PATIENCE = 1 << 29;

/**
 * `hw(ctrl)`, run by a worker thread on a shared memory: claims the helper role (state 0 → 1;
 * returns at once when cancelled), then, for every new command, zeroes its p (entries
 * `0 … 2·b1−1`), runs `us` on its rows and stores the command as done; leaves on −1 or when no
 * command came for {@link HELPER_PATIENCE} spins (state 3 either way).
 */
function hwBody(): number[] {
  const ctrl = 0;
  const L = { seen: 1, cmd: 2, iter: 3, b1: 4, kb: 5 };
  const { code, e } = emitter();
  const { I32_NE, I32_LT_S, i32AtomicLoad, i32AtomicStore, i32AtomicCmpxchg, i32load, call } = wasm;
  const IF = [0x04, 0x40];
  const BLOCK = [0x02, 0x40];
  const LOOP = [0x03, 0x40];
  const END = 0x0b;
  const leave = (depth: number): number[] => [
    ...get(ctrl),
    ...i32c(3),
    ...i32AtomicStore(CTRL.state),
    0x0c,
    depth,
  ];
  e(get(ctrl), i32c(0), i32c(1), i32AtomicCmpxchg(CTRL.state), IF, 0x0f, END);
  e(i32c(0), set(L.seen), i32c(0), set(L.iter));
  e(BLOCK, LOOP); // exit, main
  e(BLOCK, LOOP); // got, spin
  e(get(ctrl), i32AtomicLoad(CTRL.cmd), tee(L.cmd), get(L.seen), I32_NE, 0x0d, 1);
  e(get(L.iter), i32c(1), I32_ADD, tee(L.iter), i32c(HELPER_PATIENCE), I32_GE_U);
  e(IF, leave(4), END); // labels: if, spin, got, main, exit
  e(0x0c, 0, END, END);
  e(i32c(0), set(L.iter), get(L.cmd), set(L.seen));
  e(get(L.cmd), i32c(0), I32_LT_S, IF, leave(2), END); // labels: if, main, exit
  e(get(ctrl), i32load(CTRL.b1), set(L.b1));
  // zero p[0 … 2·b1): b1·16 bytes
  e(i32c(0), set(L.kb));
  e(BLOCK, LOOP, get(L.kb), get(L.b1), i32c(16), I32_MUL, I32_GE_U, 0x0d, 1);
  e(get(ctrl), i32load(CTRL.p), get(L.kb), I32_ADD, V_ZERO, vstore(0));
  e(get(L.kb), i32c(16), I32_ADD, set(L.kb), 0x0c, 0, END, END);
  for (const f of [CTRL.a, CTRL.ld, CTRL.b0]) e(get(ctrl), i32load(f));
  e(get(L.b1));
  for (const f of [CTRL.u, CTRL.q, CTRL.w, CTRL.p]) e(get(ctrl), i32load(f));
  e(call(0)); // us
  e(get(ctrl), get(L.seen), i32AtomicStore(CTRL.done));
  e(0x0c, 0, END, END); // next command; end main, exit
  e(END);
  return functionBody([[5, I32]], code);
}

function moduleBytes(shared: boolean): Uint8Array {
  return assembleModule({
    types: [new Array<number>(8).fill(I32), new Array<number>(5).fill(I32), [I32]],
    memory: { shared, maxPages: MAX_SHARED_PAGES },
    functions: [
      { type: 0, name: 'us', body: usBody() },
      { type: 1, name: 'bt', body: btBody() },
      ...(shared ? [{ type: 2, name: 'hw', body: hwBody() }] : []),
    ],
  });
}

/** Largest shared memory (64 KiB pages): 1 GiB, enough for the reduction of n ≈ 11,000. */
export const MAX_SHARED_PAGES = 16384;

/** The `us` kernel's signature (byte offsets and counts, see the file comment). */
export type UsKernel = (
  a: number,
  ld: number,
  b0: number,
  nb: number,
  u: number,
  q: number,
  w: number,
  p: number,
) => void;

/** The `bt` kernel's signature (byte offsets and counts, see the file comment). */
export type BtKernel = (y: number, ldy: number, ng: number, meta: number, pairs: number) => void;

/** A kernel instance with its own memory of at least the requested size. */
export interface WasmWorkspace {
  readonly buffer: ArrayBuffer;
  readonly us: UsKernel;
  readonly bt: BtKernel;
}

const instances = lazyInstances(() => moduleBytes(false));

/**
 * A fresh instance of the kernels on a new memory of at least `bytes` bytes, or null when
 * WebAssembly SIMD is unavailable or more than 2 GiB are asked for.
 * @param bytes - memory the caller lays out itself
 */
export function wasmWorkspace(bytes: number): WasmWorkspace | null {
  const inst = instances(bytes);
  if (!inst) return null;
  return {
    buffer: inst.buffer,
    us: inst.exports.us as UsKernel,
    bt: inst.exports.bt as BtKernel,
  };
}

let sharedModule: object | null | undefined;

/**
 * The kernels compiled for a shared memory (for worker threads; `hw` is export 2), or null when
 * shared WebAssembly memory or SIMD is unavailable.
 */
export function sharedKernelModule(): object | null {
  const api = wasm.wasmApi();
  if (!api || typeof SharedArrayBuffer !== 'function') return null;
  if (sharedModule === undefined) {
    try {
      const bin = moduleBytes(true);
      sharedModule = api.validate(bin) ? new api.Module(bin) : null;
    } catch {
      sharedModule = null;
    }
  }
  return sharedModule;
}
