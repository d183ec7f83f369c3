/**
 * Test helpers shared by every nidkit package (`@nidkit/core/testing`).
 * @packageDocumentation
 */

/** Tolerances of {@link expectClose}. */
export interface Tolerance {
  readonly atol?: number;
  readonly rtol?: number;
}

/** Default tolerances per dtype. Looser tolerances belong in one reviewed place with a reason. */
export const TOLERANCE = {
  float64: { atol: 1e-12, rtol: 1e-9 },
  float32: { atol: 1e-5, rtol: 1e-4 },
} as const;

type Numeric = number | ArrayLike<number> | { data: ArrayLike<number>; shape: readonly number[] };

function unpack(x: Numeric): { data: ArrayLike<number>; shape: readonly number[] | null } {
  if (typeof x === 'number') return { data: [x], shape: [] };
  if ('data' in x && 'shape' in x) return { data: x.data, shape: x.shape };
  return { data: x, shape: null };
}

/**
 * Asserts `|actual − expected| ≤ atol + rtol·|expected|` elementwise. NaN equals NaN only where
 * both are NaN; ±Infinity must match exactly. Shapes (or lengths) are checked first. Defaults:
 * float64 tolerances when either side is a Float64Array or plain numbers, else float32.
 * @throws Error naming the first failing index and both values
 */
export function expectClose(actual: Numeric, expected: Numeric, tol: Tolerance = {}): void {
  const a = unpack(actual);
  const e = unpack(expected);
  if (
    a.shape &&
    e.shape &&
    (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape![i]))
  ) {
    throw new Error(
      `expectClose: shape mismatch — expected [${e.shape.join(', ')}], got [${a.shape.join(', ')}]`,
    );
  }
  if (a.data.length !== e.data.length) {
    throw new Error(
      `expectClose: length mismatch — expected ${e.data.length}, got ${a.data.length}`,
    );
  }
  const f32 = a.data instanceof Float32Array || e.data instanceof Float32Array;
  const base = f32 ? TOLERANCE.float32 : TOLERANCE.float64;
  const atol = tol.atol ?? base.atol;
  const rtol = tol.rtol ?? base.rtol;
  let failures = 0;
  let first = '';
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!;
    const y = e.data[i]!;
    let ok: boolean;
    if (Number.isNaN(x) || Number.isNaN(y)) ok = Number.isNaN(x) && Number.isNaN(y);
    else if (!Number.isFinite(x) || !Number.isFinite(y)) ok = x === y;
    else {
      const diff = Math.abs(x - y);
      ok = diff <= atol + rtol * Math.abs(y);
      if (!ok) worst = Math.max(worst, diff);
    }
    if (!ok) {
      if (failures === 0) first = `index ${i}: actual ${x}, expected ${y}`;
      failures++;
    }
  }
  if (failures > 0) {
    throw new Error(
      `expectClose: ${failures} of ${a.data.length} entries differ (atol ${atol}, rtol ${rtol}); first at ${first}; max |Δ| ${worst}`,
    );
  }
}

/** Column statistics of a samples × units array by the definition: Σ(x−h), Σ(x−h)², min and max of x. */
export interface ColumnStatsByDefinition {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/**
 * The reference for cross-product kernels: `(A − 1hₐᵀ)ᵀ(B − 1h_bᵀ)` and both inputs' column
 * statistics, by the definition in float64. `a` is `rows × hA.length`, `b` is `rows × hB.length`,
 * row-major; use zero shifts for none.
 */
export function crossStatisticsByDefinition(
  a: ArrayLike<number>,
  hA: ArrayLike<number>,
  b: ArrayLike<number>,
  hB: ArrayLike<number>,
  rows: number,
): { cross: Float64Array; a: ColumnStatsByDefinition; b: ColumnStatsByDefinition } {
  const m = hA.length;
  const n = hB.length;
  const cross = new Float64Array(m * n);
  for (let p = 0; p < rows; p++)
    for (let i = 0; i < m; i++) {
      const x = a[p * m + i]! - hA[i]!;
      for (let j = 0; j < n; j++) cross[i * n + j]! += x * (b[p * n + j]! - hB[j]!);
    }
  const stats = (x: ArrayLike<number>, h: ArrayLike<number>): ColumnStatsByDefinition => {
    const w = h.length;
    const sum = new Float64Array(w);
    const sumSq = new Float64Array(w);
    const min = new Float64Array(w).fill(Infinity);
    const max = new Float64Array(w).fill(-Infinity);
    for (let p = 0; p < rows; p++)
      for (let c = 0; c < w; c++) {
        const v = x[p * w + c]!;
        sum[c]! += v - h[c]!;
        sumSq[c]! += (v - h[c]!) ** 2;
        min[c] = Math.min(min[c]!, v);
        max[c] = Math.max(max[c]!, v);
      }
    return { sum, sumSq, min, max };
  };
  return { cross, a: stats(a, hA), b: stats(b, hB) };
}

/** `max_i |x_i − y_i| / max(1, |y_i|)`: the worst relative (absolute below 1) difference. */
export function maxRelativeDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++)
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  return worst;
}
