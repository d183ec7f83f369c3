/**
 * The centred Gram matrix `XcᵀXc` (d×d, float64) of `X` (`N×d`), accumulated block by block.
 * Covariance is invariant to per-column shifts, so each column is shifted by a value that occurs
 * in it (the most frequent value among the first rows of the first block), `Y = X − offset`.
 * For data with a dominant background value (images) Y is sparse: columns that are nonzero in many
 * rows go through a dense register-blocked kernel, all other pairs through a sparse per-row kernel;
 * dense data use the dense kernel throughout. Finally `XcᵀXc = YᵀY − N·ȳȳᵀ`; because the offset
 * is a data value, `ȳ` is of the order of the data spread and the subtraction is benign.
 */

const PROBE_ROWS = 32;
const SPARSE_DENSITY = 0.3;
/** Within the sparse kernel, columns nonzero in at least this share of rows use the dense kernel. */
const DENSE_COLUMN = 0.25;

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
    let nnz = 0;
    const sums = this.sums;
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let c = 0; c < d; c++) {
        const v = x[o + c]! - off[c]!;
        if (v !== 0) {
          nnz++;
          sums[c] = sums[c]! + v;
        }
      }
    }
    const gram = this.upper;
    if (nnz < SPARSE_DENSITY * n * d) {
      this.kernels.add('sparse');
      // columns that are nonzero in many rows go through the dense kernel, the rest stay sparse
      const count = new Int32Array(d);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let c = 0; c < d; c++) if (x[o + c]! - off[c]! !== 0) count[c] = count[c]! + 1;
      }
      const denseCols: number[] = [];
      const isDense = new Uint8Array(d);
      for (let c = 0; c < d; c++) {
        if (count[c]! >= DENSE_COLUMN * n) {
          denseCols.push(c);
          isDense[c] = 1;
        }
      }
      if (denseCols.length > 0) denseGramUpper(x, off, n, d, gram, Int32Array.from(denseCols));
      sparseGramUpper(x, off, n, d, gram, isDense);
    } else {
      this.kernels.add('dense');
      const all = new Int32Array(d);
      for (let c = 0; c < d; c++) all[c] = c;
      denseGramUpper(x, off, n, d, gram, all);
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
 * Adds to the upper triangle of YᵀY (Y = X − off) every pair of nonzeros in a row except those
 * with both columns dense (`isDense`), which the dense kernel covers.
 */
function sparseGramUpper(
  x: ArrayLike<number>,
  off: Float64Array,
  n: number,
  d: number,
  g: Float64Array,
  isDense: Uint8Array,
): void {
  const idx = new Int32Array(d);
  const val = new Float64Array(d);
  const spIdx = new Int32Array(d);
  const spVal = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let m = 0;
    let ms = 0;
    for (let c = 0; c < d; c++) {
      const v = x[o + c]! - off[c]!;
      if (v !== 0) {
        idx[m] = c;
        val[m] = v;
        m++;
        if (isDense[c] === 0) {
          spIdx[ms] = c;
          spVal[ms] = v;
          ms++;
        }
      }
    }
    let s0 = 0; // first sparse entry with column > idx[p]
    for (let p = 0; p < m; p++) {
      const a = idx[p]!;
      const vp = val[p]!;
      const row = a * d;
      while (s0 < ms && spIdx[s0]! <= a) s0++;
      if (isDense[a] === 1) {
        for (let q = s0; q < ms; q++) g[row + spIdx[q]!] = g[row + spIdx[q]!]! + vp * spVal[q]!;
      } else {
        for (let q = p; q < m; q++) g[row + idx[q]!] = g[row + idx[q]!]! + vp * val[q]!;
      }
    }
  }
}

const CHUNK = 256;

/**
 * Adds the upper triangle of YᵀY restricted to the (ascending) columns `cols`, with Y = X − off,
 * via a transposed chunk and 4×2 register blocks.
 */
function denseGramUpper(
  x: ArrayLike<number>,
  off: Float64Array,
  n: number,
  dFull: number,
  gFull: Float64Array,
  cols: Int32Array,
): void {
  const d = cols.length;
  const g = new Float64Array(d * d);
  const t = new Float64Array(d * CHUNK); // column-major chunk: t[c*CHUNK + r]
  for (let r0 = 0; r0 < n; r0 += CHUNK) {
    const len = Math.min(CHUNK, n - r0);
    for (let r = 0; r < len; r++) {
      const o = (r0 + r) * dFull;
      for (let c = 0; c < d; c++) t[c * CHUNK + r] = x[o + cols[c]!]! - off[cols[c]!]!;
    }
    let a = 0;
    for (; a + 4 <= d; a += 4) {
      const a0 = a * CHUNK;
      const a1 = a0 + CHUNK;
      const a2 = a1 + CHUNK;
      const a3 = a2 + CHUNK;
      let b = a;
      for (; b + 2 <= d; b += 2) {
        const b0 = b * CHUNK;
        const b1 = b0 + CHUNK;
        let s00 = 0,
          s01 = 0,
          s10 = 0,
          s11 = 0,
          s20 = 0,
          s21 = 0,
          s30 = 0,
          s31 = 0;
        for (let r = 0; r < len; r++) {
          const y0 = t[b0 + r]!;
          const y1 = t[b1 + r]!;
          const x0 = t[a0 + r]!;
          const x1 = t[a1 + r]!;
          const x2 = t[a2 + r]!;
          const x3 = t[a3 + r]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s20 += x2 * y0;
          s21 += x2 * y1;
          s30 += x3 * y0;
          s31 += x3 * y1;
        }
        const g0 = a * d + b;
        g[g0] = g[g0]! + s00;
        g[g0 + 1] = g[g0 + 1]! + s01;
        g[g0 + d] = g[g0 + d]! + s10;
        g[g0 + d + 1] = g[g0 + d + 1]! + s11;
        g[g0 + 2 * d] = g[g0 + 2 * d]! + s20;
        g[g0 + 2 * d + 1] = g[g0 + 2 * d + 1]! + s21;
        g[g0 + 3 * d] = g[g0 + 3 * d]! + s30;
        g[g0 + 3 * d + 1] = g[g0 + 3 * d + 1]! + s31;
      }
      for (; b < d; b++) {
        const b0 = b * CHUNK;
        for (let q = 0; q < 4; q++) {
          const aq = (a + q) * CHUNK;
          let s = 0;
          for (let r = 0; r < len; r++) s += t[aq + r]! * t[b0 + r]!;
          g[(a + q) * d + b] = g[(a + q) * d + b]! + s;
        }
      }
    }
    for (; a < d; a++) {
      const aa = a * CHUNK;
      for (let b = a; b < d; b++) {
        const bb = b * CHUNK;
        let s = 0;
        for (let r = 0; r < len; r++) s += t[aa + r]! * t[bb + r]!;
        g[a * d + b] = g[a * d + b]! + s;
      }
    }
  }
  for (let a = 0; a < d; a++) {
    const ga = cols[a]! * dFull;
    for (let b = a; b < d; b++) gFull[ga + cols[b]!] = gFull[ga + cols[b]!]! + g[a * d + b]!;
  }
}
