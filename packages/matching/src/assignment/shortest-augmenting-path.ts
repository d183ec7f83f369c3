/**
 * The shortest-augmenting-path kernel for rectangular linear assignment (Crouse 2016, the
 * Jonker–Volgenant family; the algorithm SciPy's `linear_sum_assignment` uses), on flat typed
 * arrays. The working arrays are allocated once per solve; the inner loop allocates nothing.
 */

/**
 * Solves `min Σ_i C[i, col4row[i]]` over injective maps rows → columns for a row-major
 * `nr × nc` cost matrix with `nr ≤ nc`. Entries must be finite or `+∞` (a forbidden pair).
 *
 * Every row is added by one Dijkstra search over the columns in reduced costs
 * `C_ij − u_i − v_j ≥ 0`, then the dual variables are updated so that they stay feasible and
 * tight on the assignment. Ties are broken like SciPy: among equal shortest distances the
 * earliest scanned unassigned column wins.
 *
 * @param cost - row-major costs, `nr * nc` entries (not modified)
 * @param nr - number of rows (≤ nc)
 * @param nc - number of columns
 * @returns `col4row` (length nr), or null when no complete assignment avoids `+∞` entries
 */
export function solveShortestAugmentingPath(
  cost: Float64Array,
  nr: number,
  nc: number,
  warmStart = false,
): Int32Array | null {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const dist = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const remaining = new Int32Array(nc);
  // Parallel to `remaining`: v and the tentative distance of the column in each slot, so that the
  // inner loop reads them sequentially.
  const remV = new Float64Array(nc);
  const remD = new Float64Array(nc);
  const visitedRows = new Int32Array(nr);
  const INF = Infinity;

  let freeRows: Int32Array;
  let nFree: number;
  if (warmStart && nr === nc && nr > 1) {
    freeRows = new Int32Array(nr);
    nFree = reduceColumns(cost, nr, freeRows, col4row, row4col, v);
    for (let pass = 0; pass < 2 && nFree > 0; pass++) {
      nFree = augmentingRowReduction(cost, nr, freeRows, nFree, col4row, row4col, v);
    }
    // Row duals: tight on the assignment (each assigned column is its row's minimum of C − v).
    for (let i = 0; i < nr; i++) {
      const j = col4row[i]!;
      if (j >= 0) u[i] = cost[i * nc + j]! - v[j]!;
    }
  } else {
    freeRows = new Int32Array(nr);
    for (let i = 0; i < nr; i++) freeRows[i] = i;
    nFree = nr;
  }

  for (let f = 0; f < nFree; f++) {
    const curRow = freeRows[f]!;
    // Dijkstra from curRow over the columns, in reduced costs.
    let minVal = 0;
    let numRemaining = nc;
    for (let it = 0; it < nc; it++) {
      const j = nc - it - 1;
      remaining[it] = j;
      remV[it] = v[j]!;
      remD[it] = INF;
    }
    let nVisited = 0;
    let i = curRow;
    let sink = -1;
    while (sink === -1) {
      visitedRows[nVisited++] = i;
      let index = -1;
      let lowest = INF;
      const base = i * nc;
      const ui = minVal - u[i]!;
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it]!;
        const r = ui + cost[base + j]! - remV[it]!;
        let d = remD[it]!;
        if (r < d) {
          path[j] = i;
          remD[it] = r;
          d = r;
        }
        if (d <= lowest && (d < lowest || row4col[j] === -1)) {
          lowest = d;
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === INF) return null;
      const j = remaining[index]!;
      const r4c = row4col[j]!;
      if (r4c === -1) sink = j;
      else i = r4c;
      // Move the scanned column to the tail: remaining[numRemaining..nc−1] are the scanned columns.
      dist[j] = lowest;
      numRemaining--;
      remaining[index] = remaining[numRemaining]!;
      remV[index] = remV[numRemaining]!;
      remD[index] = remD[numRemaining]!;
      remaining[numRemaining] = j;
    }

    // Dual update over the visited rows and scanned columns only.
    u[curRow]! += minVal;
    for (let k = 1; k < nVisited; k++) {
      const r = visitedRows[k]!;
      u[r]! += minVal - dist[col4row[r]!]!;
    }
    for (let it = numRemaining; it < nc; it++) {
      const j = remaining[it]!;
      v[j]! -= minVal - dist[j]!;
    }
    // Augment along the alternating path ending in sink.
    let j = sink;
    for (;;) {
      const r = path[j]!;
      row4col[j] = r;
      const prev = col4row[r]!;
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
  return col4row;
}

/**
 * Jonker–Volgenant initialization, part 1: column reduction `v_j = min_i C_ij`, assignment of
 * each column to its minimizing row when that row is still free (scanning columns from the last),
 * and reduction transfer for rows that received exactly one column. Afterwards every assigned
 * column is the minimum of `C_i· − v` for its row. Square, finite matrices only.
 * @returns the number of free rows, listed in `freeRows`
 */
function reduceColumns(
  cost: Float64Array,
  n: number,
  freeRows: Int32Array,
  col4row: Int32Array,
  row4col: Int32Array,
  v: Float64Array,
): number {
  v.fill(Infinity);
  const argmin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let j = 0; j < n; j++) {
      const c = cost[base + j]!;
      if (c < v[j]!) {
        v[j] = c;
        argmin[j] = i;
      }
    }
  }
  const unique = new Uint8Array(n).fill(1);
  for (let j = n - 1; j >= 0; j--) {
    const i = argmin[j]!;
    if (col4row[i]! < 0) {
      col4row[i] = j;
      row4col[j] = i;
    } else {
      unique[i] = 0;
    }
  }
  let nFree = 0;
  for (let i = 0; i < n; i++) {
    const j = col4row[i]!;
    if (j < 0) {
      freeRows[nFree++] = i;
    } else if (unique[i] === 1) {
      const base = i * n;
      let min = Infinity;
      for (let j2 = 0; j2 < n; j2++) {
        if (j2 === j) continue;
        const c = cost[base + j2]! - v[j2]!;
        if (c < min) min = c;
      }
      v[j]! -= min;
    }
  }
  return nFree;
}

/**
 * Jonker–Volgenant initialization, part 2: augmenting row reduction. Each free row takes the
 * column of its smallest `C_ij − v_j` and lowers `v_j` by the gap to its second smallest,
 * evicting the column's previous row, which becomes free. The work is bounded (a row is
 * re-queued at most while `iterations < current · n`), so it always terminates.
 * @returns the number of rows left free, listed at the start of `freeRows`
 */
/** Row-reduction steps per pass, in multiples of n (each step costs O(n)). */
const ARR_BUDGET = 4;

function augmentingRowReduction(
  cost: Float64Array,
  n: number,
  freeRows: Int32Array,
  nFreeIn: number,
  col4row: Int32Array,
  row4col: Int32Array,
  v: Float64Array,
): number {
  let current = 0;
  let nFree = 0;
  let count = 0;
  const budget = ARR_BUDGET * n;
  while (current < nFreeIn) {
    if (++count > budget) {
      // Out of budget: the rows still queued stay free for the augmenting-path phase.
      freeRows.copyWithin(nFree, current, nFreeIn);
      return nFree + (nFreeIn - current);
    }
    const freeI = freeRows[current++]!;
    const base = freeI * n;
    let j1 = 0;
    let v1 = cost[base]! - v[0]!;
    let j2 = -1;
    let v2 = Infinity;
    for (let j = 1; j < n; j++) {
      const c = cost[base + j]! - v[j]!;
      if (c < v2) {
        if (c >= v1) {
          v2 = c;
          j2 = j;
        } else {
          v2 = v1;
          v1 = c;
          j2 = j1;
          j1 = j;
        }
      }
    }
    let i0 = row4col[j1]!;
    const v1New = v[j1]! - (v2 - v1);
    const v1Lowers = v1New < v[j1]!;
    if (count < current * n) {
      if (v1Lowers) {
        v[j1] = v1New;
      } else if (i0 >= 0 && j2 >= 0) {
        j1 = j2;
        i0 = row4col[j2]!;
      }
      if (i0 >= 0) {
        if (v1Lowers) freeRows[--current] = i0;
        else freeRows[nFree++] = i0;
      }
    } else if (i0 >= 0) {
      freeRows[nFree++] = i0;
    }
    if (i0 >= 0) col4row[i0] = -1;
    col4row[freeI] = j1;
    row4col[j1] = freeI;
  }
  return nFree;
}
