/**
 * The centred Gram matrix `XcᵀXc` (d×d, float64) of `X` (`N×d`), accumulated block by block.
 * Covariance is invariant to per-column shifts, so each column is shifted by a value that occurs
 * in it (the most frequent value among the first rows of the first block), `Y = X − offset`.
 * Dense blocks go through core's `CrossProduct` (symmetric, WebAssembly SIMD on all cores). For
 * data with a dominant background value (images) Y is sparse: such blocks go through a sparse
 * per-row kernel, with the columns that are nonzero in many rows in a dense register-blocked
 * kernel. Finally `XcᵀXc = YᵀY − N·ȳȳᵀ`; because the offset is a data value, `ȳ` is of the order
 * of the data spread and the subtraction is benign.
 */
import { CrossProduct } from '@nidkit/core/kernels';

const PROBE_ROWS = 32;
const SPARSE_DENSITY = 0.3;
/** In sparse data, columns nonzero in at least this share of rows go through the dense kernel. */
const DENSE_COLUMN = 0.05;
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
 * Streaming `XcᵀXc`: feed row blocks with {@link GramAccumulator.add}, then {@link GramAccumulator.finish}.
 * The column offsets are fixed from the first block; each block picks its own kernel. Memory is
 * O(d²) plus one block.
 */
export class GramAccumulator {
  readonly d: number;
  private readonly upper: Float64Array;
  private readonly sums: Float64Array;
  private off: Float64Array | null = null;
  private rows = 0;
  private product: CrossProduct | null = null;
  /** Sparse data: the columns that go through the dense kernel (fixed by the first sparse block). */
  private denseCols: Int32Array | null = null;
  private isDense: Uint8Array | null = null;
  /** Sparse data: the cross product of the dense columns (its column sums are not used). */
  private denseProduct: CrossProduct | null = null;
  /** Kernels used so far. */
  readonly kernels = new Set<'sparse' | 'dense'>();

  constructor(d: number) {
    this.d = d;
    this.upper = new Float64Array(d * d);
    this.sums = new Float64Array(d);
  }

  /** Number of rows added. */
  get count(): number {
    return this.rows;
  }

  /** Adds `n` rows (`x` row-major `n×d`). */
  add(x: ArrayLike<number>, n: number): void {
    const d = this.d;
    if (n === 0) return;
    const off = (this.off ??= columnOffsets(x, n, d));
    // density of this block (a strided sample of rows is enough to pick the kernel)
    let nnz = 0;
    let seen = 0;
    const step = Math.max(1, Math.floor(n / 256));
    for (let r = 0; r < n; r += step) {
      const o = r * d;
      for (let c = 0; c < d; c++) if (x[o + c]! - off[c]! !== 0) nnz++;
      seen += d;
    }
    if (nnz < SPARSE_DENSITY * seen) {
      this.kernels.add('sparse');
      const sums = this.sums;
      // one pass: the nonzeros of Y = X − off row by row (CSR), per-column counts and sums
      const count = new Int32Array(d);
      const rowPtr = new Int32Array(n + 1);
      let cap = Math.max(1024, Math.ceil((1.25 * nnz * n) / Math.max(1, seen / d)));
      let colIdx = new Int32Array(cap);
      let vals = new Float64Array(cap);
      let nz = 0;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let c = 0; c < d; c++) {
          const v = x[o + c]! - off[c]!;
          if (v !== 0) {
            if (nz === cap) {
              cap *= 2;
              const ci = new Int32Array(cap);
              ci.set(colIdx);
              colIdx = ci;
              const vv = new Float64Array(cap);
              vv.set(vals);
              vals = vv;
            }
            colIdx[nz] = c;
            vals[nz] = v;
            nz++;
            count[c] = count[c]! + 1;
            sums[c] = sums[c]! + v;
          }
        }
        rowPtr[r + 1] = nz;
      }
      if (!this.denseCols) {
        const cols: number[] = [];
        this.isDense = new Uint8Array(d);
        for (let c = 0; c < d; c++) {
          if (count[c]! >= DENSE_COLUMN * n) {
            cols.push(c);
            this.isDense[c] = 1;
          }
        }
        this.denseCols = Int32Array.from(cols);
      }
      const cols = this.denseCols;
      if (cols.length > 0) {
        const k = cols.length;
        this.denseProduct ??= new CrossProduct(k, k, {
          symmetric: true,
          names: ['GramAccumulator.add'],
        });
        const offD = Float64Array.from(cols, (c) => off[c]!);
        const block = new Float64Array(Math.min(n, GATHER_ROWS) * k);
        for (let r0 = 0; r0 < n; r0 += GATHER_ROWS) {
          const rows = Math.min(GATHER_ROWS, n - r0);
          for (let r = 0; r < rows; r++) {
            const o = (r0 + r) * d;
            for (let q = 0; q < k; q++) block[r * k + q] = x[o + cols[q]!]!;
          }
          this.denseProduct.add(block.subarray(0, rows * k), offD, null, null, rows);
        }
      }
      sparsePairs(rowPtr, colIdx, vals, count, n, d, this.upper, this.isDense!);
    } else {
      this.kernels.add('dense');
      // the product keeps its own column sums of x − off
      this.product ??= new CrossProduct(d, d, { symmetric: true, names: ['GramAccumulator.add'] });
      this.product.add(x, off, null, null, n);
    }
    this.rows += n;
  }

  /** `XcᵀXc` (full symmetric) and the column means of everything added. */
  finish(): { gram: Float64Array; mean: Float64Array; rows: number } {
    const d = this.d;
    const n = this.rows;
    const mean = new Float64Array(d);
    const gram = new Float64Array(d * d);
    if (n === 0) return { gram, mean, rows: 0 };
    // fold the cross products into the upper triangle and the sums (finish may be called again)
    if (this.product) {
      const g = this.product.result();
      const sums = this.product.columnStats('A').sum;
      this.product.dispose();
      this.product = null;
      for (let a = 0; a < d; a++) {
        this.sums[a] = this.sums[a]! + sums[a]!;
        for (let b = a; b < d; b++) this.upper[a * d + b] = this.upper[a * d + b]! + g[a * d + b]!;
      }
    }
    if (this.denseProduct && this.denseCols) {
      // the dense columns of sparse blocks: ascending, so (cols[a], cols[b]) is in the upper triangle
      const cols = this.denseCols;
      const k = cols.length;
      const g = this.denseProduct.result();
      this.denseProduct.dispose();
      this.denseProduct = null;
      for (let a = 0; a < k; a++) {
        const ra = cols[a]! * d;
        for (let b = a; b < k; b++)
          this.upper[ra + cols[b]!] = this.upper[ra + cols[b]!]! + g[a * k + b]!;
      }
    }
    for (let c = 0; c < d; c++) mean[c] = this.sums[c]! / n;
    // subtract N·ȳȳᵀ and mirror to the lower triangle
    for (let a = 0; a < d; a++) {
      const ma = mean[a]! * n;
      for (let b = a; b < d; b++) {
        const v = this.upper[a * d + b]! - ma * mean[b]!;
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
 */
export function centredGram(x: ArrayLike<number>, n: number, d: number): CentredGram {
  const acc = new GramAccumulator(d);
  acc.add(x, n);
  const { gram, mean } = acc.finish();
  return { gram, mean, kernel: acc.kernels.has('sparse') ? 'sparse' : 'dense' };
}

/**
 * Adds to the upper triangle of YᵀY (Y given row by row as CSR) every product that involves a
 * sparse column (`isDense[c] = 0`); pairs of two dense columns are left to the dense kernel.
 * Column by column: for a sparse column b, the row `t = Σ_{r: y_rb ≠ 0} y_rb · y_r` is accumulated
 * in one cache-resident buffer, then folded into the triangle — `t[a]` goes to entry (b, a) for
 * a ≥ b and to (a, b) for a dense a < b (a sparse a < b was counted when its own column ran).
 */
function sparsePairs(
  rowPtr: Int32Array,
  colIdx: Int32Array,
  vals: Float64Array,
  count: Int32Array,
  n: number,
  d: number,
  g: Float64Array,
  isDense: Uint8Array,
): void {
  // CSC of the sparse columns: rows and values
  const start = new Int32Array(d + 1);
  for (let c = 0; c < d; c++) start[c + 1] = start[c]! + (isDense[c] ? 0 : count[c]!);
  const fill = start.slice(0, d);
  const rows = new Int32Array(start[d]!);
  const rv = new Float64Array(start[d]!);
  for (let r = 0; r < n; r++)
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      const c = colIdx[q]!;
      if (isDense[c]) continue;
      const at = fill[c]!;
      rows[at] = r;
      rv[at] = vals[q]!;
      fill[c] = at + 1;
    }
  const t = new Float64Array(d);
  for (let b = 0; b < d; b++) {
    if (start[b] === start[b + 1]) continue;
    t.fill(0);
    for (let p = start[b]!; p < start[b + 1]!; p++) {
      const r = rows[p]!;
      const yb = rv[p]!;
      for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++)
        t[colIdx[q]!] = t[colIdx[q]!]! + yb * vals[q]!;
    }
    const row = b * d;
    for (let a = 0; a < b; a++) if (isDense[a] && t[a] !== 0) g[a * d + b] = g[a * d + b]! + t[a]!;
    for (let a = b; a < d; a++) g[row + a] = g[row + a]! + t[a]!;
  }
}
