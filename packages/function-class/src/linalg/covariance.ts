/**
 * The centred Gram matrix `XcᵀXc` (d×d, float64) of `X` (`N×d`), accumulated block by block.
 * Covariance is invariant to per-column shifts, so each column is shifted by a value that occurs
 * in it (the most frequent value among the first rows of the first block), `Y = X − offset`.
 * Dense blocks go through core's `CrossProduct` (symmetric, WebAssembly SIMD on all cores). For
 * data with a dominant background value (images) Y is sparse: the busy columns (nonzero in at
 * least 12 % of a probe of rows, padded to whole kernel panels) are gathered into a dense block
 * for the same kernel, and each nonzero of the other, rare columns adds its row's busy values to
 * that column's row of a small accumulator (a WebAssembly SIMD axpy).
 * Finally `XcᵀXc = YᵀY − N·ȳȳᵀ`; because the offset is a data value, `ȳ` is of the order of the
 * data spread and the subtraction is benign.
 */
import { nonFiniteRowsError } from '@nidkit/core';
import { CrossProduct } from '@nidkit/core/kernels';
import type { AxpyKernel } from './wasm-axpy.js';
import { axpyWorkspace } from './wasm-axpy.js';

const PROBE_ROWS = 32;
const SPARSE_DENSITY = 0.3;
/**
 * In sparse data, columns nonzero in at least this share of probed rows go through the dense
 * kernel. A column of density p costs about k·N dense multiply-adds there and p·N·k sparse ones
 * (the axpy) outside it, so the break-even density is the cost ratio of a dense to a sparse
 * multiply-add, ≈0.1–0.15 here (on 10,000 MNIST digits 0.08–0.15 beat 0.05 by 5–10 ms).
 */
const DENSE_COLUMN = 0.12;
/** Rows probed (evenly spaced) for a block's density and, once, for the busy columns. */
const DENSITY_PROBE = 256;
/** Columns per panel of core's kernel (its A and B panels are 8 units wide). */
const PANEL = 8;
/** Rows gathered at a time for the dense columns of sparse data. */
const GATHER_ROWS = 2048;

/** Result of {@link centredGram}. */
export interface CentredGram {
  /** `d×d` row-major, symmetric. */
  readonly gram: Float64Array;
  /** Column means of X. */
  readonly mean: Float64Array;
  /** Which kernel ran. */
  readonly kernel: 'sparse' | 'dense';
}

function columnOffsets(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const rows = Math.min(n, PROBE_ROWS);
  const off = new Float64Array(d);
  const counts = new Map<number, number>();
  for (let c = 0; c < d; c++) {
    counts.clear();
    let best = x[c]!;
    let bestCount = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[r * d + c]!;
      const cnt = (counts.get(v) ?? 0) + 1;
      counts.set(v, cnt);
      if (cnt > bestCount) {
        bestCount = cnt;
        best = v;
      }
    }
    off[c] = best;
  }
  return off;
}

/**
 * The columns as maximal runs of consecutive columns that are all busy (consecutive busy indices)
 * or all rare (consecutive rare indices): triples `[first column, end column, index of the first]`
 * with the index `q ≥ 0` for a busy run and `−1 − b` for a rare one. Image rows give a few dozen
 * runs, so the split of a row needs no branch per column.
 */
function columnRuns(d: number, busy: Int32Array, rare: Int32Array): Int32Array {
  const slot = new Int32Array(d);
  busy.forEach((c, q) => (slot[c] = q));
  rare.forEach((c, b) => (slot[c] = -1 - b));
  const runs: number[] = [];
  for (let c = 0; c < d;) {
    const step = slot[c]! >= 0 ? 1 : -1;
    let e = c + 1;
    while (e < d && slot[e] === slot[e - 1]! + step) e++;
    runs.push(c, e, slot[c]!);
    c = e;
  }
  return Int32Array.from(runs);
}

/**
 * Splits the row at `o` of `x` shifted by `off`: busy values into `block` from `at`, the rare
 * columns' nonzeros (rare index, value) into `idx`/`val`.
 * @returns the number of rare nonzeros
 */
function splitRow(
  x: ArrayLike<number>,
  o: number,
  off: Float64Array,
  runs: Int32Array,
  block: Float64Array,
  at: number,
  idx: Int32Array,
  val: Float64Array,
): number {
  let ns = 0;
  for (let g = 0; g < runs.length; g += 3) {
    const c0 = runs[g]!;
    const c1 = runs[g + 1]!;
    const first = runs[g + 2]!;
    if (first >= 0) {
      const dst = at + first - c0;
      for (let c = c0; c < c1; c++) block[dst + c] = x[o + c]! - off[c]!;
    } else {
      for (let c = c0; c < c1; c++) {
        const v = x[o + c]! - off[c]!;
        if (v !== 0) {
          idx[ns] = -1 - first + (c - c0);
          val[ns] = v;
          ns++;
        }
      }
    }
  }
  return ns;
}

/** `y[yo…yo+n) += a·x[xo…xo+n)` (a small function of its own, so V8 optimizes the loop). */
function axpy(
  y: Float64Array,
  yo: number,
  x: Float64Array,
  xo: number,
  n: number,
  a: number,
): void {
  for (let q = 0; q < n; q++) y[yo + q] = y[yo + q]! + a * x[xo + q]!;
}

/**
 * Streaming `XcᵀXc`: feed row blocks with {@link GramAccumulator.add}, then {@link GramAccumulator.finish}.
 * The column offsets are fixed from the first block and, for sparse data, the busy columns from
 * the first sparse block; each block picks the sparse or the dense route. Memory is O(d²) plus one
 * block of the busy columns.
 */
export class GramAccumulator {
  readonly d: number;
  private readonly upper: Float64Array;
  private readonly sums: Float64Array;
  private off: Float64Array | null = null;
  private rows = 0;
  /** Dense blocks: the cross product of Y (its column sums are Y's). */
  private product: CrossProduct | null = null;
  /** Sparse data: busy (dense) and rare (sparse) columns, fixed by the first sparse block. */
  private denseCols: Int32Array | null = null;
  private sparseCols: Int32Array | null = null;
  /** Sparse data: the cross product of the busy columns. */
  private denseProduct: CrossProduct | null = null;
  /**
   * Sparse data: row b (`k + s` entries) holds Σ y_b·y over the rows where rare column b is
   * nonzero: first against the k busy columns, then against the s rare ones.
   */
  private rare: Float64Array | null = null;
  /** Sparse data: the busy values of up to GATHER_ROWS rows, `k` per row. */
  private block: Float64Array | null = null;
  /** Sparse data: the WebAssembly `axpy` on the memory that holds `rare` and `block` (or null). */
  private kernel: AxpyKernel | null = null;
  /** Sparse data: the columns as runs (see {@link columnRuns}). */
  private runs: Int32Array | null = null;
  /** Kernels used so far. */
  readonly kernels = new Set<'sparse' | 'dense'>();

  /**
   * @param d - columns
   * @param where - how errors name the data (default `GramAccumulator.add`)
   * @param options - `simd: false` accumulates the rare columns in JavaScript (for tests)
   */
  constructor(
    d: number,
    private readonly where = 'GramAccumulator.add',
    private readonly options: { readonly simd?: boolean } = {},
  ) {
    this.d = d;
    this.upper = new Float64Array(d * d);
    this.sums = new Float64Array(d);
  }

  /** Number of rows added. */
  get count(): number {
    return this.rows;
  }

  /**
   * Adds `n` rows (`x` row-major `n×d`).
   * @throws NonFiniteError when x holds NaN or ±∞
   */
  add(x: ArrayLike<number>, n: number): void {
    const d = this.d;
    if (n === 0) return;
    const off = (this.off ??= columnOffsets(x, n, d));
    // density of this block from a probe of evenly spaced rows; per-column counts for the split
    const probeCount = new Int32Array(d);
    let nnz = 0;
    let probed = 0;
    const step = Math.max(1, Math.floor(n / DENSITY_PROBE));
    for (let r = 0; r < n; r += step) {
      const o = r * d;
      for (let c = 0; c < d; c++)
        if (x[o + c]! - off[c]! !== 0) {
          nnz++;
          probeCount[c] = probeCount[c]! + 1;
        }
      probed++;
    }
    if (nnz < SPARSE_DENSITY * probed * d) {
      this.kernels.add('sparse');
      if (!this.denseCols) {
        const busy = new Uint8Array(d);
        let k = 0;
        for (let c = 0; c < d; c++)
          if (probeCount[c]! >= DENSE_COLUMN * probed) {
            busy[c] = 1;
            k++;
          }
        // round the busy columns up to whole kernel panels with the densest rare ones: the
        // kernel computes the padding anyway, and unpadded rows are staged in one copy
        const rareByCount = Array.from({ length: d }, (_, c) => c)
          .filter((c) => !busy[c])
          .sort((a, b) => probeCount[b]! - probeCount[a]! || a - b);
        for (let t = 0; k % PANEL !== 0 && t < rareByCount.length; t++, k++)
          busy[rareByCount[t]!] = 1;
        const dense: number[] = [];
        const sparse: number[] = [];
        for (let c = 0; c < d; c++) (busy[c] ? dense : sparse).push(c);
        this.denseCols = Int32Array.from(dense);
        this.sparseCols = Int32Array.from(sparse);
        this.allocateSparse(sparse.length, dense.length);
      }
      this.addSparse(x, n, off);
    } else {
      this.kernels.add('dense');
      // the product keeps its own column sums of x − off
      this.product ??= new CrossProduct(d, d, { symmetric: true, names: [this.where] });
      this.product.add(x, off, null, null, n);
    }
    this.rows += n;
  }

  /**
   * The accumulator rows of the `s` rare columns and the block of `k` busy columns, in the
   * WebAssembly kernel's memory when it is available.
   */
  private allocateSparse(s: number, k: number): void {
    const rareLen = s * this.d;
    const blockLen = GATHER_ROWS * k;
    const ws = this.options.simd === false ? null : axpyWorkspace(8 * (rareLen + blockLen));
    if (ws) {
      this.rare = new Float64Array(ws.buffer, 0, rareLen);
      this.block = new Float64Array(ws.buffer, 8 * rareLen, blockLen);
      this.kernel = ws.axpy;
    } else {
      this.rare = new Float64Array(rareLen);
      this.block = new Float64Array(blockLen);
    }
  }

  /** The sparse route (see the class comment). */
  private addSparse(x: ArrayLike<number>, n: number, off: Float64Array): void {
    const d = this.d;
    const cols = this.denseCols!;
    const sp = this.sparseCols!;
    const rare = this.rare!;
    const block = this.block!;
    const kernel = this.kernel;
    // byte offsets of rare and block in the kernel's memory
    const rareAt = rare.byteOffset;
    const blockAt = block.byteOffset;
    const sums = this.sums;
    const k = cols.length;
    const s = sp.length;
    if (k > 0)
      this.denseProduct ??= new CrossProduct(k, k, { symmetric: true, names: [this.where] });
    const runs = (this.runs ??= columnRuns(d, cols, sp));
    const sIdx = new Int32Array(s);
    const sVal = new Float64Array(s);
    for (let r0 = 0; r0 < n; r0 += GATHER_ROWS) {
      const m = Math.min(GATHER_ROWS, n - r0);
      for (let r = 0; r < m; r++) {
        // busy values into the block, rare nonzeros listed: one pass over the row, run by run
        const ns = splitRow(x, (r0 + r) * d, off, runs, block, r * k, sIdx, sVal);
        for (let t = 0; t < ns; t++) {
          const b = sIdx[t]!;
          const yb = sVal[t]!;
          if (yb - yb !== 0) throw nonFiniteRowsError(this.where, x, d, 0, n);
          sums[sp[b]!] = sums[sp[b]!]! + yb;
          const h = b * d;
          // k is a multiple of PANEL (even) whenever a rare column exists: whole pairs
          if (kernel) kernel(rareAt + 8 * h, blockAt + 8 * r * k, k >> 1, yb);
          else axpy(rare, h, block, r * k, k, yb);
          // rare × rare: sIdx ascends along the row, so u ≥ t gives the pairs b ≤ b' that
          // finish() reads (the upper triangle), each once
          for (let u = t; u < ns; u++)
            rare[h + k + sIdx[u]!] = rare[h + k + sIdx[u]!]! + yb * sVal[u]!;
        }
      }
      // the busy columns: NaN or ±∞ there is reported by the product (named after `where`); the
      // workers multiply while this thread splits the next rows
      if (k > 0) this.denseProduct!.submit(block.subarray(0, m * k), null, null, null, m);
    }
  }

  /**
   * Adds a symmetric cross product of the columns `cols` (ascending; null: all) to the upper
   * triangle and its column sums to the sums, then disposes it.
   */
  private foldProduct(product: CrossProduct, cols: Int32Array | null): void {
    const d = this.d;
    const k = product.m;
    const at = (q: number): number => (cols ? cols[q]! : q);
    const g = product.result();
    const sums = product.columnStats('A').sum;
    product.dispose();
    for (let a = 0; a < k; a++) {
      const ca = at(a);
      this.sums[ca] = this.sums[ca]! + sums[a]!;
      // ascending columns: (cols[a], cols[b]) with a ≤ b lies in the upper triangle
      for (let b = a; b < k; b++)
        this.upper[ca * d + at(b)] = this.upper[ca * d + at(b)]! + g[a * k + b]!;
    }
  }

  /** `XcᵀXc` (full symmetric) and the column means of everything added. */
  finish(): { gram: Float64Array; mean: Float64Array; rows: number } {
    const d = this.d;
    const n = this.rows;
    const mean = new Float64Array(d);
    const gram = new Float64Array(d * d);
    if (n === 0) return { gram, mean, rows: 0 };
    const up = this.upper;
    // fold the partial results into the upper triangle and the sums (finish may be called again)
    if (this.product) this.foldProduct(this.product, null);
    this.product = null;
    const cols = this.denseCols;
    const sp = this.sparseCols;
    if (cols && this.denseProduct) this.foldProduct(this.denseProduct, cols);
    this.denseProduct = null;
    if (cols && sp && this.rare) {
      const k = cols.length;
      const rare = this.rare;
      const add = (i: number, j: number, v: number): void => {
        const at = i < j ? i * d + j : j * d + i;
        up[at] = up[at]! + v;
      };
      for (let b = 0; b < sp.length; b++) {
        const h = b * d;
        const cb = sp[b]!;
        for (let q = 0; q < k; q++) if (rare[h + q] !== 0) add(cb, cols[q]!, rare[h + q]!);
        // rare × rare: row b holds the pairs (b, u ≥ b)
        for (let u = b; u < sp.length; u++)
          if (rare[h + k + u] !== 0) add(cb, sp[u]!, rare[h + k + u]!);
      }
      rare.fill(0);
    }
    for (let c = 0; c < d; c++) mean[c] = this.sums[c]! / n;
    // subtract N·ȳȳᵀ and mirror to the lower triangle
    for (let a = 0; a < d; a++) {
      const ma = mean[a]! * n;
      for (let b = a; b < d; b++) {
        const v = up[a * d + b]! - ma * mean[b]!;
        gram[a * d + b] = v;
        gram[b * d + a] = v;
      }
    }
    const off = this.off!;
    for (let c = 0; c < d; c++) mean[c] = mean[c]! + off[c]!;
    return { gram, mean, rows: n };
  }
}

/**
 * `XcᵀXc` for row-major `x` (`n×d`), with the column means.
 * @param x - data, row-major `n×d` (float32 or float64)
 * @param n - rows
 * @param d - columns
 * @param where - how errors name the data
 * @throws NonFiniteError when x holds NaN or ±∞
 */
export function centredGram(
  x: ArrayLike<number>,
  n: number,
  d: number,
  where = 'centredGram: x',
): CentredGram {
  const acc = new GramAccumulator(d, where);
  acc.add(x, n);
  const { gram, mean } = acc.finish();
  return { gram, mean, kernel: acc.kernels.has('sparse') ? 'sparse' : 'dense' };
}
