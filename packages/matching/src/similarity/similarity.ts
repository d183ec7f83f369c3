import {
  InvalidArgumentError,
  ShapeMismatchError,
  formatShape,
  nonFiniteRowsError,
  tensor,
} from '@nidkit/core';
import type { ChunkColumnStats, CrossChunk, Tensor } from '@nidkit/core';
import type { MatrixInput } from '../assignment/matrix-input.js';
import { toDenseMatrix } from '../assignment/matrix-input.js';
import { ConstantUnitError } from '../errors.js';
import { CrossProduct } from '@nidkit/core/kernels';

/**
 * How two units are compared (matching.md §3):
 * - `dot`: `(X_Aᵀ X_B)_ij / N`;
 * - `pearson`: Pearson ρ between column i of `X_A` and column j of `X_B` (error on a constant unit);
 * - `pearson_zero_for_constant`: ρ, with `S_ij = 0` when unit i of A or unit j of B is constant
 *   (never NaN; the default);
 * - `uncorrelatedness`: `1 − |ρ|` (error on a constant unit), reference parity only;
 * - `uncorrelatedness_one_for_constant`: `1 − |ρ|`, 1 for constant units, reference parity only.
 */
export type SimilarityKind =
  | 'dot'
  | 'pearson'
  | 'pearson_zero_for_constant'
  | 'uncorrelatedness'
  | 'uncorrelatedness_one_for_constant';

/** Every {@link SimilarityKind}. */
export const SIMILARITY_KINDS: readonly SimilarityKind[] = Object.freeze([
  'dot',
  'pearson',
  'pearson_zero_for_constant',
  'uncorrelatedness',
  'uncorrelatedness_one_for_constant',
]);

/** True when a larger value of the similarity means a better match (`uncorrelatedness*` are dissimilarities). */
export function isDissimilarity(kind: SimilarityKind): boolean {
  return kind === 'uncorrelatedness' || kind === 'uncorrelatedness_one_for_constant';
}

/** A similarity matrix with the units that were constant. */
export interface SimilarityResult {
  /** `[n_A, n_B]` float64: row = unit of A, column = unit of B. */
  readonly matrix: Tensor<Float64Array>;
  readonly kind: SimilarityKind;
  /** Number of samples N. */
  readonly samples: number;
  /** Units of A that are constant over all samples (min = max), increasing. */
  readonly constantA: number[];
  /** Units of B that are constant over all samples, increasing. */
  readonly constantB: number[];
}

/** Options of {@link CrossStatistics.similarity} and {@link similarityMatrix}. */
export interface SimilarityOptions {
  /** Default `pearson_zero_for_constant`. */
  readonly similarity?: SimilarityKind;
  /** Recording point named in errors, e.g. `post_activation@1`. */
  readonly point?: string;
}

const CHUNK = 2048;
/** Rows per `crossChunk` call (onnxruntime's double GEMM was fastest at 1024 among 256…10,000). */
const RUNTIME_CHUNK = 1024;
/** Samples that fix the shifts: the first batch (a shift within a few percent of a standard deviation of the mean is as good as the mean). */
const SHIFT_ROWS = 256;

/**
 * Streaming sufficient statistics of two activation sets `X_A` (`N × n_A`) and `X_B`
 * (`N × n_B`) that see the same samples in the same order: `N`, per-column shifted sums and sums
 * of squares, and the shifted cross product `(X_A − 1h_Aᵀ)ᵀ(X_B − 1h_Bᵀ)`, all in float64. The
 * shift `h` of a column is the value of its first batch (256 samples) nearest that batch's mean: near the mean,
 * it limits cancellation in `cov = Σ x̃_A x̃_Bᵀ − s_A s_Bᵀ / N` as the mean would (matching.md §3),
 * and as a recorded value it makes the constant test exact without tracking min and max:
 * `Σ(x − h)² = 0` exactly when every sample equals h, i.e. when min = max (a float64 difference of
 * distinct values is never 0, and its square is not either, for float32 activations and for float64
 * ones that differ by more than 1e−154). Memory is `O(n_A·n_B)`, independent of N.
 * The sums come from core's `CrossProduct` (`add`) or from an evaluator's runtime (`addAsync` with
 * `crossChunk`, e.g. onnxruntime's float64 GEMM); both kinds of batches may be mixed.
 */
export class CrossStatistics {
  /** Units of model A (columns of X_A). */
  readonly nA: number;
  /** Units of model B (columns of X_B). */
  readonly nB: number;
  private count = 0;
  private readonly shiftA: Float64Array;
  private readonly shiftB: Float64Array;
  /** Core's kernel (synchronous `add`; created on first use when an evaluator computes). */
  private product: CrossProduct | null = null;
  private readonly productOptions: { simd?: boolean; threads?: number };
  /** The evaluator's runtime (`addAsync`). */
  private readonly crossChunk: CrossChunk | null;
  /** What the runtime has accumulated, and the sums of released kernels ({@link release}). */
  private ext: { cross: Float64Array; a: ColumnSums; b: ColumnSums } | null = null;
  /**
   * `simd`: core's WebAssembly f64x2 kernel; `js`: its plain TypeScript kernel; `evaluator`: the
   * evaluator's `crossChunk` (onnxruntime for `@nidkit/onnx`'s evaluator).
   */
  readonly kernel: 'simd' | 'js' | 'evaluator';
  /** Threads of core's kernel (`NIDKIT_THREADS` sets the default); 0 when the evaluator computes. */
  readonly threads: number;

  /**
   * @param nA - units of model A
   * @param nB - units of model B
   * @param options - `crossChunk`: let an evaluator's runtime compute the statistics
   *   ({@link CrossStatistics.addAsync}); `simd: false` forces core's plain TypeScript kernel
   *   (default: its WebAssembly SIMD kernel); `threads` (default: all available). All give the
   *   same sums up to rounding.
   * @throws InvalidArgumentError for a non-positive width
   */
  constructor(
    nA: number,
    nB: number,
    options: { simd?: boolean; threads?: number; crossChunk?: CrossChunk } = {},
  ) {
    for (const [name, w] of [
      ['nA', nA],
      ['nB', nB],
    ] as const) {
      if (!Number.isSafeInteger(w) || w <= 0) {
        throw new InvalidArgumentError(
          `CrossStatistics: ${name} must be a positive integer — expected ≥ 1, got ${w}`,
        );
      }
    }
    this.nA = nA;
    this.nB = nB;
    this.shiftA = new Float64Array(nA);
    this.shiftB = new Float64Array(nB);
    this.productOptions = {
      ...(options.simd === false ? { simd: false } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    };
    this.crossChunk = options.crossChunk ?? null;
    if (this.crossChunk) {
      this.kernel = 'evaluator';
      this.threads = 0;
    } else {
      const product = this.kernelProduct();
      this.kernel = product.kernel;
      this.threads = product.threads;
    }
  }

  private kernelProduct(): CrossProduct {
    this.product ??= new CrossProduct(this.nA, this.nB, {
      chunkRows: CHUNK,
      names: ['CrossStatistics.add: activations of A', 'CrossStatistics.add: activations of B'],
      ...this.productOptions,
    });
    return this.product;
  }

  /**
   * Folds what the kernel has accumulated into plain arrays and frees the kernel (its memory is
   * handed back for reuse): call it once the rows are in. Statistics are unchanged, and more rows
   * may still be added (a new kernel is made for them).
   */
  release(): void {
    const product = this.product;
    if (!product) return;
    this.product = null;
    try {
      this.fold(product.result(), product.columnStats('A'), product.columnStats('B'));
    } finally {
      product.dispose();
    }
  }

  /** Number of samples accumulated so far. */
  get samples(): number {
    return this.count;
  }

  /** Checks the shapes and, on the first samples, sets the shifts (their values nearest the column means). */
  private validateAndShift(
    a: ArrayLike<number>,
    b: ArrayLike<number>,
    rows: number,
    where: string,
  ): void {
    if (a.length !== rows * this.nA)
      throw new ShapeMismatchError(
        `${where}: activations of A`,
        [rows, this.nA],
        [a.length / this.nA, this.nA],
      );
    if (b.length !== rows * this.nB)
      throw new ShapeMismatchError(
        `${where}: activations of B`,
        [rows, this.nB],
        [b.length / this.nB, this.nB],
      );
    if (this.count === 0 && rows > 0) {
      const r = Math.min(rows, SHIFT_ROWS);
      setShift(a, r, this.nA, this.shiftA);
      setShift(b, r, this.nB, this.shiftB);
    }
  }

  /**
   * Adds `rows` samples: `a` is `rows × n_A` and `b` is `rows × n_B`, row-major (float32 or
   * float64), on core's kernel. Processed in chunks of 2048 rows; nothing of the input is kept.
   * @throws ShapeMismatchError when the lengths do not match `rows`
   * @throws NonFiniteError for NaN or ±∞ activations
   */
  add(a: ArrayLike<number>, b: ArrayLike<number>, rows: number): void {
    this.validateAndShift(a, b, rows, 'CrossStatistics.add');
    if (rows === 0) return;
    this.kernelProduct().add(a, this.shiftA, b, this.shiftB, rows);
    this.count += rows;
  }

  /**
   * As {@link CrossStatistics.add}, on the evaluator's runtime when one was given (`crossChunk`),
   * else on core's kernel.
   * @throws ShapeMismatchError when the lengths do not match `rows`
   * @throws NonFiniteError for NaN or ±∞ activations
   */
  async addAsync(a: ArrayLike<number>, b: ArrayLike<number>, rows: number): Promise<void> {
    if (!this.crossChunk) {
      this.add(a, b, rows);
      return;
    }
    this.validateAndShift(a, b, rows, 'CrossStatistics.add');
    const typed = (x: ArrayLike<number>): Float32Array | Float64Array =>
      x instanceof Float32Array || x instanceof Float64Array ? x : Float64Array.from(x);
    const ta = typed(a);
    const tb = typed(b);
    for (let start = 0; start < rows; start += RUNTIME_CHUNK) {
      const r = Math.min(RUNTIME_CHUNK, rows - start);
      const got = await this.crossChunk(
        ta.subarray(start * this.nA, (start + r) * this.nA),
        this.shiftA,
        tb.subarray(start * this.nB, (start + r) * this.nB),
        this.shiftB,
        r,
      );
      for (const [x, st, w, model] of [
        [ta, got.a, this.nA, 'A'],
        [tb, got.b, this.nB, 'B'],
      ] as const)
        for (let c = 0; c < w; c++)
          if (!Number.isFinite(st.sumSq[c]!))
            throw nonFiniteRowsError(
              `CrossStatistics.add: activations of ${model}`,
              x,
              w,
              start,
              r,
            );
      // fold in at once: the runtime may reuse its result arrays in the next call
      this.fold(got.cross, got.a, got.b);
      this.count += r;
    }
  }

  /** Adds a cross product and column sums to the plain-array part. */
  private fold(cross: Float64Array, a: ColumnSums, b: ColumnSums): void {
    this.ext ??= {
      cross: new Float64Array(this.nA * this.nB),
      a: emptyStats(this.nA),
      b: emptyStats(this.nB),
    };
    addInto(this.ext.cross, cross);
    mergeStats(this.ext.a, a);
    mergeStats(this.ext.b, b);
  }

  /** The accumulated cross product (both kernels' parts). */
  private crossMatrix(): Float64Array {
    const out = this.product ? this.product.result() : new Float64Array(this.nA * this.nB);
    if (this.ext) for (let i = 0; i < out.length; i++) out[i] = out[i]! + this.ext.cross[i]!;
    return out;
  }

  /** The accumulated column sums of A or B (both kernels' parts). */
  private columnStats(model: 'A' | 'B'): ColumnSums {
    const own = emptyStats(model === 'A' ? this.nA : this.nB);
    if (this.product) mergeStats(own, this.product.columnStats(model));
    const ext = this.ext ? (model === 'A' ? this.ext.a : this.ext.b) : null;
    if (ext) mergeStats(own, ext);
    return own;
  }

  /**
   * Units of A (`'A'`) or B (`'B'`) that are constant over all samples (minimum = maximum): every
   * sample equals the column's shift, a recorded value, so `Σ(x − h)² = 0` exactly.
   */
  constantUnits(model: 'A' | 'B'): number[] {
    const { sumSq } = this.columnStats(model);
    const out: number[] = [];
    for (let i = 0; i < sumSq.length; i++) if (sumSq[i] === 0) out.push(i);
    return out;
  }

  /**
   * The similarity matrix of the accumulated samples (matching.md §3):
   * `dot` `S = X_AᵀX_B / N`; Pearson `ρ_ij = cov_ij / sqrt(ssq_Ai·ssq_Bj)` with
   * `cov = X̃_AᵀX̃_B − s_A s_Bᵀ/N` and `ssq = Σx̃² − s²/N`, clamped to [−1, 1]; the
   * `uncorrelatedness` variants return `1 − |ρ|`.
   * A unit is constant when its min equals its max (an exact test, see the class comment); a unit
   * whose centered sum of squares rounds to 0 although min ≠ max is treated as constant too (never
   * a NaN).
   * @param options - `similarity` (default `pearson_zero_for_constant`), `point` for messages
   * @returns the `[n_A, n_B]` matrix and the constant units of both models
   * @throws ConstantUnitError for `pearson` / `uncorrelatedness` when a unit is constant
   * @throws InvalidArgumentError when no samples were added or the kind is unknown
   */
  similarity(options: SimilarityOptions = {}): SimilarityResult {
    const kind = options.similarity ?? 'pearson_zero_for_constant';
    if (!SIMILARITY_KINDS.includes(kind)) {
      throw new InvalidArgumentError(
        `CrossStatistics.similarity: unknown similarity — expected one of ${SIMILARITY_KINDS.join(', ')}, got "${String(kind)}"`,
      );
    }
    const N = this.count;
    if (N === 0)
      throw new InvalidArgumentError(
        'CrossStatistics.similarity: no samples — expected N ≥ 1, got 0',
      );
    const { nA, nB } = this;
    const out = new Float64Array(nA * nB);
    const cross = this.crossMatrix();
    const statsA = this.columnStats('A');
    const statsB = this.columnStats('B');
    const constA = this.constantUnits('A');
    const constB = this.constantUnits('B');
    if (kind === 'dot') {
      for (let i = 0; i < nA; i++) {
        const ha = this.shiftA[i]!;
        const sa = statsA.sum[i]!;
        for (let j = 0; j < nB; j++) {
          const hb = this.shiftB[j]!;
          out[i * nB + j] = (cross[i * nB + j]! + ha * statsB.sum[j]! + hb * sa + N * ha * hb) / N;
        }
      }
      return {
        matrix: tensor(out, [nA, nB]),
        kind,
        samples: N,
        constantA: constA,
        constantB: constB,
      };
    }
    const ssqA = centeredSsq(statsA.sum, statsA.sumSq, N);
    const ssqB = centeredSsq(statsB.sum, statsB.sumSq, N);
    // Numerically constant units (ssq ≤ 0 after rounding) join the exact constants.
    const flagA = new Uint8Array(nA);
    const flagB = new Uint8Array(nB);
    for (const i of constA) flagA[i] = 1;
    for (const j of constB) flagB[j] = 1;
    for (let i = 0; i < nA; i++) {
      if (!(ssqA[i]! > 0) && flagA[i] === 0) {
        flagA[i] = 1;
        constA.push(i);
      }
    }
    for (let j = 0; j < nB; j++) {
      if (!(ssqB[j]! > 0) && flagB[j] === 0) {
        flagB[j] = 1;
        constB.push(j);
      }
    }
    constA.sort((x, y) => x - y);
    constB.sort((x, y) => x - y);
    const strict = kind === 'pearson' || kind === 'uncorrelatedness';
    if (strict && constA.length > 0)
      throw new ConstantUnitError(`similarity (${kind})`, 'A', constA, options.point);
    if (strict && constB.length > 0)
      throw new ConstantUnitError(`similarity (${kind})`, 'B', constB, options.point);
    const uncorrelated = isDissimilarity(kind);
    const fill = uncorrelated ? 1 : 0;
    const invA = new Float64Array(nA);
    const invB = new Float64Array(nB);
    for (let i = 0; i < nA; i++) invA[i] = flagA[i] ? 0 : 1 / Math.sqrt(ssqA[i]!);
    for (let j = 0; j < nB; j++) invB[j] = flagB[j] ? 0 : 1 / Math.sqrt(ssqB[j]!);
    for (let i = 0; i < nA; i++) {
      const o = i * nB;
      if (flagA[i]) {
        out.fill(fill, o, o + nB);
        continue;
      }
      const sa = statsA.sum[i]! / N;
      const ia = invA[i]!;
      for (let j = 0; j < nB; j++) {
        if (flagB[j]) {
          out[o + j] = fill;
          continue;
        }
        let rho = (cross[o + j]! - sa * statsB.sum[j]!) * ia * invB[j]!;
        rho = rho > 1 ? 1 : rho < -1 ? -1 : rho;
        out[o + j] = uncorrelated ? 1 - Math.abs(rho) : rho;
      }
    }
    return {
      matrix: tensor(out, [nA, nB]),
      kind,
      samples: N,
      constantA: constA,
      constantB: constB,
    };
  }
}

/** Column sums Σ(x − h) and Σ(x − h)² (float64). */
type ColumnSums = ChunkColumnStats;

/** Sums of no samples. */
function emptyStats(w: number): ColumnSums {
  return { sum: new Float64Array(w), sumSq: new Float64Array(w) };
}

/** Folds `cur` into `acc`. */
function mergeStats(acc: ColumnSums, cur: ColumnSums): void {
  for (let c = 0; c < acc.sum.length; c++) {
    acc.sum[c] = acc.sum[c]! + cur.sum[c]!;
    acc.sumSq[c] = acc.sumSq[c]! + cur.sumSq[c]!;
  }
}

/** `dst += src`, element by element (one tight loop over two Float64Arrays). */
function addInto(dst: Float64Array, src: Float64Array): void {
  for (let i = 0, n = dst.length; i < n; i++) dst[i]! += src[i]!;
}

/**
 * Per column of the first `rows` rows of `x` (`n` columns), the value nearest the column mean (the
 * first such value on ties) into `shift`: a recorded value close to the mean. Starts from row 0,
 * so a column holding NaN or ±∞ keeps a recorded value (the sums report it).
 */
function setShift(x: ArrayLike<number>, rows: number, n: number, shift: Float64Array): void {
  // a float64 copy of the few rows involved keeps the loops below on one array type
  const y =
    x instanceof Float64Array
      ? x
      : x instanceof Float32Array
        ? Float64Array.from(x.subarray(0, rows * n))
        : Float64Array.from({ length: rows * n }, (_, i) => x[i]!);
  const mean = new Float64Array(n);
  for (let r = 0, o = 0; r < rows; r++, o += n) for (let j = 0; j < n; j++) mean[j]! += y[o + j]!;
  for (let j = 0; j < n; j++) mean[j]! /= rows;
  const dist = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    shift[j] = y[j]!;
    dist[j] = Math.abs(y[j]! - mean[j]!);
  }
  for (let r = 1, o = n; r < rows; r++, o += n)
    for (let j = 0; j < n; j++) {
      const d = Math.abs(y[o + j]! - mean[j]!);
      if (d < dist[j]!) {
        dist[j] = d;
        shift[j] = y[o + j]!;
      }
    }
}

function centeredSsq(sum: Float64Array, sq: Float64Array, N: number): Float64Array {
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sq[i]! - (sum[i]! * sum[i]!) / N;
  return out;
}

/**
 * The similarity matrix of two activation sets `X_A` (`N × n_A`) and `X_B` (`N × n_B`) whose rows
 * are the same samples (matching.md §3), computed through {@link CrossStatistics} (a blocked
 * cross product, not a triple loop over pairs).
 * @param a - activations of model A, `[N, n_A]` (Tensor, nested arrays or ml-matrix)
 * @param b - activations of model B, `[N, n_B]`
 * @param options - `similarity` (default `pearson_zero_for_constant`), `point` for messages
 * @returns `S` (`[n_A, n_B]`), the kind, N and the constant units of both models
 * @throws ShapeMismatchError when the sample counts differ
 * @throws ConstantUnitError for `pearson`/`uncorrelatedness` with a constant unit
 * @throws NonFiniteError for NaN or ±∞ activations
 */
export function similarityMatrix(
  a: MatrixInput,
  b: MatrixInput,
  options: SimilarityOptions = {},
): SimilarityResult {
  const A = toDenseMatrix('similarityMatrix (A)', a);
  const B = toDenseMatrix('similarityMatrix (B)', b);
  if (A.rows !== B.rows) {
    throw new ShapeMismatchError(
      'similarityMatrix',
      [A.rows, B.cols],
      [B.rows, B.cols],
      `B must have the same samples as A ${formatShape([A.rows, A.cols])}`,
    );
  }
  if (A.rows === 0)
    throw new InvalidArgumentError('similarityMatrix: no samples — expected N ≥ 1, got 0');
  const stats = new CrossStatistics(A.cols, B.cols);
  try {
    stats.add(A.data, B.data, A.rows);
  } finally {
    stats.release();
  }
  return stats.similarity(options);
}
