import { InvalidArgumentError, ShapeMismatchError, formatShape, tensor } from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
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

/**
 * Streaming sufficient statistics of two activation sets `X_A` (`N × n_A`) and `X_B`
 * (`N × n_B`) that see the same samples in the same order: `N`, per-column shifted sums and sums
 * of squares, per-column min and max, and the shifted cross product `(X_A − 1h_Aᵀ)ᵀ(X_B − 1h_Bᵀ)`,
 * all in float64. The shift `h` is the first batch's column mean, which limits cancellation in
 * `cov = Σ x̃_A x̃_Bᵀ − s_A s_Bᵀ / N` (matching.md §3). Memory is `O(n_A·n_B)`, independent of N.
 */
export class CrossStatistics {
  /** Units of model A (columns of X_A). */
  readonly nA: number;
  /** Units of model B (columns of X_B). */
  readonly nB: number;
  private count = 0;
  private readonly shiftA: Float64Array;
  private readonly shiftB: Float64Array;
  private readonly product: CrossProduct;
  /** `simd` when the WebAssembly f64x2 kernel is used, `js` for the plain typed-array kernel. */
  readonly kernel: 'simd' | 'js';
  /** Threads that compute the cross product (core's `CrossProduct`; `NIDKIT_THREADS` sets the default). */
  readonly threads: number;

  /**
   * @param nA - units of model A
   * @param nB - units of model B
   * @param options - `simd: false` forces the plain TypeScript cross-product kernel (default: the
   *   WebAssembly SIMD kernel when available; both give the same sums up to rounding); `threads`
   *   (default: all available, see core's `CrossProduct`)
   * @throws InvalidArgumentError for a non-positive width
   */
  constructor(nA: number, nB: number, options: { simd?: boolean; threads?: number } = {}) {
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
    this.product = new CrossProduct(nA, nB, {
      chunkRows: CHUNK,
      names: ['CrossStatistics.add: activations of A', 'CrossStatistics.add: activations of B'],
      ...(options.simd === false ? { simd: false } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
    this.kernel = this.product.kernel;
    this.threads = this.product.threads;
  }

  /** Number of samples accumulated so far. */
  get samples(): number {
    return this.count;
  }

  /**
   * Adds `rows` samples: `a` is `rows × n_A` and `b` is `rows × n_B`, row-major (float32 or
   * float64). Processed in chunks of 2048 rows; nothing of the input is kept.
   * @throws ShapeMismatchError when the lengths do not match `rows`
   * @throws NonFiniteError for NaN or ±∞ activations
   */
  add(a: ArrayLike<number>, b: ArrayLike<number>, rows: number): void {
    if (a.length !== rows * this.nA)
      throw new ShapeMismatchError(
        'CrossStatistics.add: activations of A',
        [rows, this.nA],
        [a.length / this.nA, this.nA],
      );
    if (b.length !== rows * this.nB)
      throw new ShapeMismatchError(
        'CrossStatistics.add: activations of B',
        [rows, this.nB],
        [b.length / this.nB, this.nB],
      );
    if (rows === 0) return;
    if (this.count === 0) {
      const r = Math.min(rows, CHUNK);
      setShift(a, r, this.nA, this.shiftA);
      setShift(b, r, this.nB, this.shiftB);
    }
    this.product.add(a, this.shiftA, b, this.shiftB, rows);
    this.count += rows;
  }

  /** Units of A (`'A'`) or B (`'B'`) whose minimum equals their maximum over all samples. */
  constantUnits(model: 'A' | 'B'): number[] {
    const { min, max } = this.product.columnStats(model);
    const out: number[] = [];
    for (let i = 0; i < min.length; i++) if (min[i] === max[i]) out.push(i);
    return out;
  }

  /**
   * The similarity matrix of the accumulated samples (matching.md §3):
   * `dot` `S = X_AᵀX_B / N`; Pearson `ρ_ij = cov_ij / sqrt(ssq_Ai·ssq_Bj)` with
   * `cov = X̃_AᵀX̃_B − s_A s_Bᵀ/N` and `ssq = Σx̃² − s²/N`, clamped to [−1, 1]; the
   * `uncorrelatedness` variants return `1 − |ρ|`.
   * A unit is constant when its min equals its max (an exact test); a unit whose centered sum of
   * squares rounds to 0 although min ≠ max is treated as constant too (never a NaN).
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
    const cross = this.product.result();
    const statsA = this.product.columnStats('A');
    const statsB = this.product.columnStats('B');
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

function setShift(x: ArrayLike<number>, rows: number, n: number, shift: Float64Array): void {
  shift.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) shift[j]! += x[o + j]!;
  }
  for (let j = 0; j < n; j++) shift[j]! /= rows;
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
  stats.add(A.data, B.data, A.rows);
  return stats.similarity(options);
}
