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
