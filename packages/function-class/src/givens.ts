import { InvalidArgumentError, tensor } from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import { InfeasibleTargetError } from './errors.js';

/** Options of {@link givensCoherenceRotation}. */
export interface GivensRotationOptions {
  /** Maximum number of Givens steps (default 5000). */
  readonly maxSteps?: number;
  /** Stop when `max ℓ ≤ target + tolerance` (default 1e−5). */
  readonly tolerance?: number;
  /** Stop when `max ℓ − min ℓ` falls below this spread (default 1e−7). */
  readonly spreadTolerance?: number;
}

/** Result of {@link givensCoherenceRotation}. */
export interface GivensRotationResult {
  /** The orthogonal `[d, d]` matrix V (float64, row-major). */
  readonly V: Tensor<Float64Array>;
  /** Coherence of `V[:, :k]` reached, `max_r Σ_{c<k} V[r,c]²`. */
  readonly coherence: number;
  /** Number of Givens steps taken. */
  readonly steps: number;
  /** True when `coherence ≤ target + tolerance`. */
  readonly converged: boolean;
  /** The minimum achievable coherence `k/d`. */
  readonly minimum: number;
  /** Human-readable warnings (e.g. the loop ended before meeting the target). */
  readonly warnings: string[];
}

/**
 * Targeted coherence rotation (datasets.md §6, used to build the MNIST-coherence data): a greedy
 * sequence of Givens rotations of `V = I_d` that lowers the coherence of the first `k` columns,
 * `ν(V[:, :k]) = max_r ℓ_r` with leverage `ℓ_r = Σ_{c<k} V[r,c]²`, to a target.
 *
 * Each step takes the rows `i = argmax ℓ`, `j = argmin ℓ` (first index on ties), with
 * `x = ℓ_i`, `y = ℓ_j`, `z = ⟨V[i,:k], V[j,:k]⟩`, sets `t = max(target, (x+y)/2)`,
 * `R = hypot((x−y)/2, z)`, `φ = atan2(−z, (x−y)/2)`, `θ = ½(φ + acos(clamp((t − (x+y)/2)/R, −1, 1)))`
 * and rotates the full rows: `(V_i, V_j) ← (cos θ V_i − sin θ V_j, sin θ V_i + cos θ V_j)`, so
 * that the new `ℓ_i` equals t exactly. It stops when `max ℓ ≤ target + tolerance`, when
 * `max ℓ − min ℓ < spreadTolerance`, or after `maxSteps`. Applied as `T = V·Vh` to data whose
 * principal directions are the rows of `Vh`, the principal k-subspace becomes `span(V[:, :k])`.
 *
 * @param d - ambient dimension (≥ 1)
 * @param k - subspace dimension (1 ≤ k ≤ d)
 * @param target - target coherence, in `[k/d − 1e−5, 1]`
 * @param options - step limit and tolerances
 * @returns V (orthogonal, float64), the coherence reached, steps, convergence flag and warnings
 * @throws InfeasibleTargetError when `target < k/d − 1e−5` (the error carries `minimum = k/d`)
 * @throws InvalidArgumentError for non-integer sizes, `k > d`, or a target that is not finite or above 1
 */
export function givensCoherenceRotation(
  d: number,
  k: number,
  target: number,
  options: GivensRotationOptions = {},
): GivensRotationResult {
  const where = 'givensCoherenceRotation';
  if (!Number.isSafeInteger(d) || d < 1)
    throw new InvalidArgumentError(
      `${where}: invalid dimension — expected an integer d ≥ 1, got ${d}`,
    );
  if (!Number.isSafeInteger(k) || k < 1 || k > d) {
    throw new InvalidArgumentError(
      `${where}: invalid subspace dimension — expected an integer k in 1..${d}, got ${k}`,
    );
  }
  if (!Number.isFinite(target) || target > 1) {
    throw new InvalidArgumentError(
      `${where}: invalid target coherence — expected a number ≤ 1, got ${target}`,
    );
  }
  const minimum = k / d;
  if (target < minimum - 1e-5) throw new InfeasibleTargetError(where, target, minimum);
  const maxSteps = options.maxSteps ?? 5000;
  const tol = options.tolerance ?? 1e-5;
  const spreadTol = options.spreadTolerance ?? 1e-7;
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 0) {
    throw new InvalidArgumentError(
      `${where}: invalid maxSteps — expected a non-negative integer, got ${maxSteps}`,
    );
  }

  const V = new Float64Array(d * d);
  for (let r = 0; r < d; r++) V[r * d + r] = 1;
  const lev = new Float64Array(d);
  for (let r = 0; r < k; r++) lev[r] = 1;
  const rowLeverage = (r: number): number => {
    let s = 0;
    const o = r * d;
    for (let c = 0; c < k; c++) s += V[o + c]! * V[o + c]!;
    return s;
  };

  let steps = 0;
  for (; steps < maxSteps; steps++) {
    let i = 0;
    let j = 0;
    for (let r = 1; r < d; r++) {
      if (lev[r]! > lev[i]!) i = r;
      if (lev[r]! < lev[j]!) j = r;
    }
    const x = lev[i]!;
    const y = lev[j]!;
    if (x <= target + tol || x - y < spreadTol) break;
    let z = 0;
    const oi = i * d;
    const oj = j * d;
    for (let c = 0; c < k; c++) z += V[oi + c]! * V[oj + c]!;
    const t = Math.max(target, (x + y) / 2);
    const half = (x - y) / 2;
    const R = Math.hypot(half, z);
    const phi = Math.atan2(-z, half);
    const val = Math.min(1, Math.max(-1, (t - (x + y) / 2) / R));
    const theta = 0.5 * (phi + Math.acos(val));
    const cs = Math.cos(theta);
    const sn = Math.sin(theta);
    for (let c = 0; c < d; c++) {
      const vi = V[oi + c]!;
      const vj = V[oj + c]!;
      V[oi + c] = cs * vi - sn * vj;
      V[oj + c] = sn * vi + cs * vj;
    }
    lev[i] = rowLeverage(i);
    lev[j] = rowLeverage(j);
  }
  let coherence = 0;
  for (let r = 0; r < d; r++) coherence = Math.max(coherence, lev[r]!);
  const converged = coherence <= target + tol;
  const warnings: string[] = [];
  if (!converged) {
    warnings.push(
      `${where}: stopped after ${steps} steps without meeting the target — expected coherence ≤ ${target + tol}, got ${coherence}`,
    );
  }
  return { V: tensor(V, [d, d]), coherence, steps, converged, minimum, warnings };
}
