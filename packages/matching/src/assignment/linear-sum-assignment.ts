import { InfeasibleCostMatrixError, InvalidCostMatrixError } from '../errors.js';
import type { MatrixInput } from './matrix-input.js';
import { toDenseMatrix } from './matrix-input.js';
import { solveShortestAugmentingPath } from './shortest-augmenting-path.js';

/** Options of {@link linearSumAssignment}. */
export interface LinearSumAssignmentOptions {
  /** Maximize the total instead of minimizing it (default false). */
  readonly maximize?: boolean;
}

/** An optimal assignment, in SciPy's form plus both lookup directions. */
export interface AssignmentResult {
  /** Assigned rows, strictly increasing (all rows when r ≤ c). */
  readonly rowInd: Int32Array;
  /** `colInd[k]` is the column assigned to row `rowInd[k]`. */
  readonly colInd: Int32Array;
  /** Row → column (length r; −1 for an unassigned row when r > c). */
  readonly colForRow: Int32Array;
  /** Column → row (length c; −1 for an unassigned column when c > r). */
  readonly rowForCol: Int32Array;
  /** `Σ_k cost[rowInd[k], colInd[k]]`, the optimal total (0 for an empty matrix). */
  readonly total: number;
}

const WHERE = 'linearSumAssignment';

/**
 * Exact linear sum assignment, equivalent to `scipy.optimize.linear_sum_assignment`:
 * for an `r × c` cost matrix find the injective pairing that minimizes (or maximizes)
 * `Σ_k C[rowInd[k], colInd[k]]`; if r ≤ c every row is assigned a distinct column, otherwise
 * every column a distinct row. Solved by the shortest augmenting path method of Crouse (2016),
 * the Jonker–Volgenant family SciPy uses, in O(n²·m) worst case on flat `Float64Array`s.
 *
 * In nidkit this finds the neuron pairing `π[i] = colInd[i]` that maximizes the total
 * similarity between the units of two models (matching.md §4).
 *
 * @param cost - the matrix: ml-matrix `Matrix`, nested arrays or `{ data, shape }`; not modified
 * @param options - `maximize` (default false)
 * @returns `rowInd` (increasing), `colInd`, `colForRow`, `rowForCol` and the optimal `total`
 * @throws InvalidCostMatrixError for NaN, or −∞ when minimizing / +∞ when maximizing
 * @throws InfeasibleCostMatrixError when forbidden pairs (+∞ minimizing / −∞ maximizing) leave no
 *   complete assignment
 * @throws InvalidArgumentError for a malformed matrix (ragged rows, not 2-d)
 */
export function linearSumAssignment(
  cost: MatrixInput,
  options: LinearSumAssignmentOptions = {},
): AssignmentResult {
  const m = toDenseMatrix(WHERE, cost);
  return assignDense(m.data, m.rows, m.cols, options.maximize ?? false, true);
}

/**
 * The solver on a row-major float64 matrix that the caller owns. With `mayClobber` the solver
 * may overwrite `data` (it is used as the working cost matrix); otherwise it copies.
 * @internal
 */
export function assignDense(
  data: Float64Array,
  rows: number,
  cols: number,
  maximize: boolean,
  mayClobber = false,
): AssignmentResult {
  const colForRow = new Int32Array(rows).fill(-1);
  const rowForCol = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) {
    return { rowInd: new Int32Array(0), colInd: new Int32Array(0), colForRow, rowForCol, total: 0 };
  }
  // Validate on the caller's orientation so that errors name the caller's indices.
  const bad = maximize ? Infinity : -Infinity;
  let allFinite = true;
  let maxAbs = 0;
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (x - x !== 0) {
      if (x !== x || x === bad)
        throw new InvalidCostMatrixError(WHERE, Math.floor(k / cols), k % cols, x);
      allFinite = false;
    } else if (x > maxAbs || -x > maxAbs) {
      maxAbs = x > 0 ? x : -x;
    }
  }
  // The Jonker–Volgenant warm start needs finite entries whose differences cannot overflow.
  const warmStart = allFinite && maxAbs < 1e150;
  const transpose = cols < rows;
  const nr = transpose ? cols : rows;
  const nc = transpose ? rows : cols;
  let work: Float64Array;
  if (transpose) {
    work = new Float64Array(nr * nc);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) work[j * nc + i] = data[o + j]!;
    }
  } else {
    work = mayClobber ? data : data.slice();
  }
  const original = transpose || !mayClobber ? data : null;
  // Total from the original values, before negation may overwrite `data`.
  if (maximize) for (let k = 0; k < work.length; k++) work[k] = -work[k]!;
  const col4row = solveShortestAugmentingPath(work, nr, nc, warmStart);
  if (col4row === null) throw new InfeasibleCostMatrixError(WHERE, [rows, cols]);

  const n = nr;
  const rowInd = new Int32Array(n);
  const colInd = new Int32Array(n);
  let total = 0;
  const value = (i: number, j: number): number => {
    if (original) return original[i * cols + j]!;
    const w = work[i * cols + j]!;
    return maximize ? -w : w;
  };
  if (transpose) {
    // col4row maps each caller column to a caller row; report sorted by row.
    for (let j = 0; j < nr; j++) {
      const i = col4row[j]!;
      colForRow[i] = j;
      rowForCol[j] = i;
    }
    let k = 0;
    for (let i = 0; i < rows; i++) {
      const j = colForRow[i]!;
      if (j >= 0) {
        rowInd[k] = i;
        colInd[k] = j;
        k++;
      }
    }
  } else {
    for (let i = 0; i < nr; i++) {
      const j = col4row[i]!;
      rowInd[i] = i;
      colInd[i] = j;
      colForRow[i] = j;
      rowForCol[j] = i;
    }
  }
  for (let k = 0; k < n; k++) total += value(rowInd[k]!, colInd[k]!);
  return { rowInd, colInd, colForRow, rowForCol, total };
}
