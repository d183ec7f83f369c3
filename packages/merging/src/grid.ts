import { InvalidArgumentError } from '@nidkit/core';

/**
 * The λ grid of an LMC curve (merging.md §2): `steps = s` gives the `s + 1` points `λ_t = t/s`,
 * t = 0..s, endpoints included, each computed as `t/s` (not by repeated addition, so 0.5 is exact
 * for even s). Reference LMC default s = 8 (9 points), training-time grid s = 10, the paper's
 * figures s = 36 (37 points), the synthetic coherence experiment s = 20.
 *
 * @param steps - the number of intervals `s` (a positive integer), or `{ points: n }` for `n ≥ 2` points
 * @returns the increasing list of λ values from 0 to 1
 * @throws InvalidArgumentError when `s` is not a positive integer (or `n` not an integer ≥ 2)
 */
export function lambdaGrid(steps: number | { readonly points: number }): number[] {
  let s: number;
  if (typeof steps === 'number') {
    if (!Number.isSafeInteger(steps) || steps < 1) {
      throw new InvalidArgumentError(
        `lambdaGrid: steps must be a positive integer — expected s ≥ 1, got ${steps}`,
      );
    }
    s = steps;
  } else {
    const n = steps.points;
    if (!Number.isSafeInteger(n) || n < 2) {
      throw new InvalidArgumentError(
        `lambdaGrid: points must be an integer ≥ 2 — expected n ≥ 2, got ${n}`,
      );
    }
    s = n - 1;
  }
  const out = new Array<number>(s + 1);
  for (let t = 0; t <= s; t++) out[t] = t / s;
  return out;
}
