/**
 * The WebAssembly SIMD (f64x2) kernels behind {@link CrossProduct}, assembled from bytes on first
 * use (nothing happens on import): `k`, the micro-kernel `C += Aᵀ B` on packed panels, and `p32` /
 * `p64`, which pack a staged float32 / float64 chunk into panels while accumulating column
 * statistics.
 *
 * Layout (all float64, byte offsets into one WebAssembly memory):
 * - A is packed in panels of {@link MR} units: panel `ib` holds, for every sample p, the MR values
 *   `a[p, ib·MR … ib·MR+MR−1]` contiguously (`strideA` bytes per panel);
 * - B likewise in panels of {@link NR} units (`strideB` bytes per panel);
 * - C is row-major with `ldc` bytes per row, its rows and columns padded to MR / NR.
 *
 * `k(a, b, c, nPanA, jb0, jb1, kc, strideA, strideB, ldc, sym)` adds the products of `kc`
 * consecutive samples (kc even) for B panels `jb0 ≤ jb < jb1` against A panels `ib < nPanA`
 * (or `ib ≤ jb` when `sym` ≠ 0: the upper triangle of a symmetric `AᵀA`). Each 8×8 tile of C is
 * held in 32 f64x2 accumulators (V8 spills some of them; measured fastest on x86-64 among tiles
 * from 2×2 to 16×8), and each step multiplies a splatted A value by four B vectors.
 * @internal
 */

import {
  BLOCK_LOOP,
  END_END,
  F64X2_ADD,
  F64X2_MAX,
  F64X2_MIN,
  F64X2_MUL,
  F64X2_PROMOTE_LOW_F32X4,
  F64X2_SUB,
  I32,
  I32_ADD,
  I32_GE_S,
  I32_MUL,
  SELECT,
  V128,
  assembleModule,
  emitter,
  functionBody,
  get,
  i32c,
  load64Splat,
  load64Zero,
  set,
  vload,
  vstore,
  wasmApi,
} from './wasm-asm.js';

/** Units per A panel (rows of a C tile). */
export const MR = 8;
/** Units per B panel (columns of a C tile). */
export const NR = 8;
const NV = NR / 2;
/** Samples per inner-loop iteration (the kernel needs even sample counts). */
export const UNROLL = 2;

function kernelBody(): number[] {
  const P = { a: 0, b: 1, c: 2, npa: 3, jb0: 4, jb1: 5, kc: 6, sa: 7, sb: 8, ldc: 9, sym: 10 };
  let next = 11;
  const L = {
    jb: next++,
    ib: next++,
    ibEnd: next++,
    ap: next++,
    bp: next++,
    ct: next++,
    pend: next++,
  };
  const numI32 = next - 11;
  const ACC = next;
  next += MR * NV;
  const BV = next;
  next += NV;
  const S = next;
  const numV128 = MR * NV + NV + 1;
  const { code, e } = emitter();
  const tileRow = (ii: number): void => {
    e(get(L.ct));
    if (ii > 0) e(i32c(ii), get(P.ldc), I32_MUL, I32_ADD);
  };
  e(get(P.jb0), set(L.jb));
  e(BLOCK_LOOP, get(L.jb), get(P.jb1), I32_GE_S, 0x0d, 1);
  // ibEnd = sym ? jb + 1 : nPanA
  e(get(L.jb), i32c(1), I32_ADD, get(P.npa), get(P.sym), SELECT, set(L.ibEnd));
  e(i32c(0), set(L.ib));
  e(BLOCK_LOOP, get(L.ib), get(L.ibEnd), I32_GE_S, 0x0d, 1);
  // ct = c + ib·MR·ldc + jb·NR·8
  e(get(P.c), get(L.ib), i32c(MR), I32_MUL, get(P.ldc), I32_MUL, I32_ADD);
  e(get(L.jb), i32c(NR * 8), I32_MUL, I32_ADD, set(L.ct));
  for (let ii = 0; ii < MR; ii++)
    for (let v = 0; v < NV; v++) {
      tileRow(ii);
      e(vload(v * 16), set(ACC + ii * NV + v));
    }
  e(get(P.a), get(L.ib), get(P.sa), I32_MUL, I32_ADD, set(L.ap));
  e(get(P.b), get(L.jb), get(P.sb), I32_MUL, I32_ADD, set(L.bp));
  e(get(L.ap), get(P.kc), i32c(MR * 8), I32_MUL, I32_ADD, set(L.pend));
  e(BLOCK_LOOP, get(L.ap), get(L.pend), I32_GE_S, 0x0d, 1);
  for (let u = 0; u < UNROLL; u++) {
    for (let v = 0; v < NV; v++) e(get(L.bp), vload(u * NR * 8 + v * 16), set(BV + v));
    for (let ii = 0; ii < MR; ii++) {
      e(get(L.ap), load64Splat(u * MR * 8 + ii * 8), set(S));
      for (let v = 0; v < NV; v++) {
        const acc = ACC + ii * NV + v;
        e(get(acc), get(S), get(BV + v), F64X2_MUL, F64X2_ADD, set(acc));
      }
    }
  }
  e(get(L.ap), i32c(UNROLL * MR * 8), I32_ADD, set(L.ap));
  e(get(L.bp), i32c(UNROLL * NR * 8), I32_ADD, set(L.bp));
  e(0x0c, 0, END_END); // br loop (p); end loop, end block
  for (let ii = 0; ii < MR; ii++)
    for (let v = 0; v < NV; v++) {
      tileRow(ii);
      e(get(ACC + ii * NV + v), vstore(v * 16));
    }
  e(get(L.ib), i32c(1), I32_ADD, set(L.ib), 0x0c, 0, END_END);
  e(get(L.jb), i32c(1), I32_ADD, set(L.jb), 0x0c, 0, END_END);
  e(0x0b); // end function
  return functionBody(
    [
      [numI32, I32],
      [numV128, V128],
    ],
    code,
  );
}

/**
 * `p32` / `p64(src, dst, rows, srcRow, stride, shift, stats, wpad, g0, g1)`: for column groups
 * `g0 ≤ g < g1` (8 columns each) and `rows` staged rows (`srcRow` bytes apart, float32 or float64),
 * writes `x − shift` as float64 to the panel at `dst + g·stride` (64 bytes per sample) and
 * accumulates, per column, the sum and the sum of squares of `x − shift` and the min and max of
 * `x` into `stats` (four float64 arrays of `wpad` entries: sum, sumsq, min, max). NaN propagates
 * into min and max, which is how callers detect non-finite input.
 */
function packBody(f64: boolean): number[] {
  const P = {
    src: 0,
    dst: 1,
    rows: 2,
    srow: 3,
    stride: 4,
    shift: 5,
    stats: 6,
    wpad: 7,
    g0: 8,
    g1: 9,
  };
  let next = 10;
  const L = { g: next++, r: next++, sp: next++, dp: next++, st: next++, sh: next++ };
  const numI32 = next - 10;
  // each row loop handles half a group (4 columns = 2 vectors), so that the 12 vector locals fit
  // in x86-64's 16 vector registers
  const SH = next;
  next += 2;
  const SUM = next;
  next += 2;
  const SQ = next;
  next += 2;
  const MN = next;
  next += 2;
  const MX = next;
  next += 2;
  const V = next;
  const numV128 = 12;
  const { code, e } = emitter();
  // stats array t (0 sum, 1 sq, 2 min, 3 max) of column group g at st + t·wpad·8 (st = stats + g·64)
  const statAddr = (t: number): void => {
    e(get(L.st));
    if (t > 0) e(get(P.wpad), i32c(8 * t), I32_MUL, I32_ADD);
  };
  const stats = [
    [0, SUM],
    [1, SQ],
    [2, MN],
    [3, MX],
  ] as const;
  e(get(P.g0), set(L.g));
  e(BLOCK_LOOP, get(L.g), get(P.g1), I32_GE_S, 0x0d, 1);
  e(get(P.stats), get(L.g), i32c(64), I32_MUL, I32_ADD, set(L.st));
  e(get(P.shift), get(L.g), i32c(64), I32_MUL, I32_ADD, set(L.sh));
  for (let h = 0; h < 2; h++) {
    for (let q = 0; q < 2; q++) {
      const off = 16 * (2 * h + q);
      e(get(L.sh), vload(off), set(SH + q));
      for (const [t, base] of stats) {
        statAddr(t);
        e(vload(off), set(base + q));
      }
    }
    e(get(P.src), get(L.g), i32c(f64 ? 64 : 32), I32_MUL, I32_ADD);
    e(i32c(h * (f64 ? 32 : 16)), I32_ADD, set(L.sp));
    e(get(P.dst), get(L.g), get(P.stride), I32_MUL, I32_ADD, i32c(h * 32), I32_ADD, set(L.dp));
    e(i32c(0), set(L.r));
    e(BLOCK_LOOP, get(L.r), get(P.rows), I32_GE_S, 0x0d, 1);
    for (let q = 0; q < 2; q++) {
      if (f64) e(get(L.sp), vload(16 * q), set(V + q));
      else e(get(L.sp), load64Zero(8 * q), F64X2_PROMOTE_LOW_F32X4, set(V + q));
      e(get(MN + q), get(V + q), F64X2_MIN, set(MN + q));
      e(get(MX + q), get(V + q), F64X2_MAX, set(MX + q));
      e(get(V + q), get(SH + q), F64X2_SUB, set(V + q));
      e(get(L.dp), get(V + q), vstore(16 * q));
      e(get(SUM + q), get(V + q), F64X2_ADD, set(SUM + q));
      e(get(SQ + q), get(V + q), get(V + q), F64X2_MUL, F64X2_ADD, set(SQ + q));
    }
    e(get(L.sp), get(P.srow), I32_ADD, set(L.sp));
    e(get(L.dp), i32c(64), I32_ADD, set(L.dp));
    e(get(L.r), i32c(1), I32_ADD, set(L.r), 0x0c, 0, END_END);
    for (let q = 0; q < 2; q++)
      for (const [t, base] of stats) {
        statAddr(t);
        e(get(base + q), vstore(16 * (2 * h + q)));
      }
  }
  e(get(L.g), i32c(1), I32_ADD, set(L.g), 0x0c, 0, END_END);
  e(0x0b);
  return functionBody(
    [
      [numI32, I32],
      [numV128, V128],
    ],
    code,
  );
}

/** Largest memory (64 KiB pages) the shared variant accepts: the wasm32 limit of 4 GiB. */
export const MAX_PAGES = 65536;

/** The module bytes; `shared` declares a shared memory import (for worker threads). */
export function gemmModuleBytes(shared: boolean): Uint8Array {
  return assembleModule({
    types: [new Array<number>(11).fill(I32), new Array<number>(10).fill(I32)],
    memory: { shared, maxPages: MAX_PAGES },
    functions: [
      { type: 0, name: 'k', body: kernelBody() },
      { type: 1, name: 'p32', body: packBody(false) },
      { type: 1, name: 'p64', body: packBody(true) },
    ],
  });
}

/** The pack kernels' signature (see packBody). */
export type PackKernel = (
  src: number,
  dst: number,
  rows: number,
  srcRow: number,
  stride: number,
  shift: number,
  stats: number,
  wpad: number,
  g0: number,
  g1: number,
) => void;

/** The GEMM kernel's signature (see the file comment). */
export type GemmKernel = (
  a: number,
  b: number,
  c: number,
  nPanA: number,
  jb0: number,
  jb1: number,
  kc: number,
  strideA: number,
  strideB: number,
  ldc: number,
  sym: number,
) => void;

const compiled = new Map<boolean, object | null>();

/** The compiled module (cached), or null when WebAssembly SIMD (or shared memory) is unavailable. */
export function gemmModule(shared: boolean): object | null {
  if (!compiled.has(shared)) {
    let mod: object | null = null;
    try {
      const api = wasmApi();
      const bytes = gemmModuleBytes(shared);
      if (api && api.validate(bytes)) mod = new api.Module(bytes);
    } catch {
      mod = null;
    }
    compiled.set(shared, mod);
  }
  return compiled.get(shared)!;
}
