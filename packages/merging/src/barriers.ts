/**
 * Barrier metrics of an LMC curve (merging.md §4). Every variant in the literature and the
 * reference implementation is reported under its own name; none is "the" barrier.
 */
import { InvalidCurveError } from './errors.js';

function checkValues(where: string, field: string, values: readonly number[], min = 1): void {
  if (!Array.isArray(values) || values.length < min) {
    throw new InvalidCurveError(
      field,
      `${where}: ${field} needs at least ${min} value${min === 1 ? '' : 's'} — expected a list of length ≥ ${min}, got ${Array.isArray(values) ? values.length : typeof values}`,
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidCurveError(
        field,
        `${where}: ${field}[${i}] is not a finite number — expected a finite number, got ${String(v)}`,
      );
    }
  });
}

function checkAccuracy(where: string, acc: readonly number[]): void {
  checkValues(where, 'accuracy', acc);
  acc.forEach((v, i) => {
    if (v < 0 || v > 100) {
      throw new InvalidCurveError(
        'accuracy',
        `${where}: accuracy[${i}] is outside 0..100 (accuracies are percentages) — expected 0 ≤ a ≤ 100, got ${v}`,
      );
    }
  });
}

/**
 * @throws InvalidCurveError unless `lambdas` increases strictly from exactly 0 to exactly 1 and
 *   `values` has the same length
 */
function checkGrid(
  where: string,
  lambdas: readonly number[],
  values: readonly number[],
  field: string,
): void {
  checkValues(where, 'lambdas', lambdas, 2);
  if (lambdas[0] !== 0 || lambdas[lambdas.length - 1] !== 1) {
    throw new InvalidCurveError(
      'lambdas',
      `${where}: the λ grid must start at 0 and end at 1 — expected [0, …, 1], got [${lambdas[0]}, …, ${lambdas[lambdas.length - 1]}]`,
    );
  }
  for (let t = 1; t < lambdas.length; t++) {
    if (!(lambdas[t]! > lambdas[t - 1]!)) {
      throw new InvalidCurveError(
        'lambdas',
        `${where}: the λ grid must increase strictly — expected λ[${t}] > ${lambdas[t - 1]}, got ${lambdas[t]}`,
      );
    }
  }
  if (values.length !== lambdas.length) {
    throw new InvalidCurveError(
      field,
      `${where}: ${field} and lambdas differ in length — expected ${lambdas.length}, got ${values.length}`,
    );
  }
}

function midpointIndex(lambdas: readonly number[]): number {
  return lambdas.findIndex((l) => Math.abs(l - 0.5) <= 1e-12);
}

/**
 * The literature's loss barrier (Git Re-Basin; Lim et al.):
 * `lossBarrier = max_t [L_t − ((1 − λ_t)·L_0 + λ_t·L_S)]`, the largest excess of the path's loss
 * over the straight chord between the endpoints. Always ≥ 0 (the endpoints contribute 0).
 *
 * @param lambdas - the λ grid, strictly increasing from 0 to 1
 * @param losses - `L_t` at each λ
 * @returns the barrier (≥ 0)
 * @throws InvalidCurveError for a malformed grid, mismatched lengths or non-finite values
 */
export function lossBarrier(lambdas: readonly number[], losses: readonly number[]): number {
  checkGrid('lossBarrier', lambdas, losses, 'losses');
  checkValues('lossBarrier', 'losses', losses);
  const l0 = losses[0]!;
  const lS = losses[losses.length - 1]!;
  // Endpoints contribute exactly 0; the chord is written l0 + λ(lS − l0) so that a flat path
  // (l0 = lS = L_t) gives exactly 0, not a rounding residue.
  let best = 0;
  for (let t = 1; t < lambdas.length - 1; t++) {
    best = Math.max(best, losses[t]! - (l0 + lambdas[t]! * (lS - l0)));
  }
  return best;
}

/**
 * Midpoint loss barrier: `L(0.5) − (L_0 + L_S)/2`, or null when λ = 0.5 is not on the grid.
 * Any sign.
 * @param lambdas - the λ grid, strictly increasing from 0 to 1
 * @param losses - `L_t` at each λ
 * @returns the barrier or null
 * @throws InvalidCurveError for a malformed curve
 */
export function midpointLossBarrier(
  lambdas: readonly number[],
  losses: readonly number[],
): number | null {
  checkGrid('midpointLossBarrier', lambdas, losses, 'losses');
  checkValues('midpointLossBarrier', 'losses', losses);
  const m = midpointIndex(lambdas);
  if (m < 0) return null;
  return losses[m]! - (losses[0]! + losses[losses.length - 1]!) / 2;
}

/**
 * Accuracy barrier in percentage points, the accuracy analogue of {@link lossBarrier} (equivalently
 * the loss-barrier form applied to the error rate):
 * `accuracyBarrierPp = max_t [((1 − λ_t)·a_0 + λ_t·a_S) − a_t]`. Always ≥ 0.
 * @param lambdas - the λ grid, strictly increasing from 0 to 1
 * @param accuracy - `a_t` in percent (0–100)
 * @returns the barrier in percentage points (≥ 0)
 * @throws InvalidCurveError for a malformed curve or an accuracy outside 0..100
 */
export function accuracyBarrierPp(lambdas: readonly number[], accuracy: readonly number[]): number {
  checkGrid('accuracyBarrierPp', lambdas, accuracy, 'accuracy');
  checkAccuracy('accuracyBarrierPp', accuracy);
  const a0 = accuracy[0]!;
  const aS = accuracy[accuracy.length - 1]!;
  let best = 0;
  for (let t = 1; t < lambdas.length - 1; t++) {
    best = Math.max(best, a0 + lambdas[t]! * (aS - a0) - accuracy[t]!);
  }
  return best;
}

/**
 * Midpoint accuracy barrier in percentage points: `(a_0 + a_S)/2 − a(0.5)`, or null when λ = 0.5
 * is not on the grid. Any sign.
 * @param lambdas - the λ grid, strictly increasing from 0 to 1
 * @param accuracy - `a_t` in percent
 * @returns the barrier or null
 * @throws InvalidCurveError for a malformed curve
 */
export function midpointAccuracyBarrierPp(
  lambdas: readonly number[],
  accuracy: readonly number[],
): number | null {
  checkGrid('midpointAccuracyBarrierPp', lambdas, accuracy, 'accuracy');
  checkAccuracy('midpointAccuracyBarrierPp', accuracy);
  const m = midpointIndex(lambdas);
  if (m < 0) return null;
  return (accuracy[0]! + accuracy[accuracy.length - 1]!) / 2 - accuracy[m]!;
}

/**
 * Absolute accuracy drop in percentage points, `max(a_0, a_S) − min_t a_t` (≥ 0): the absolute form
 * of the reference implementation's measure, used by the paper's results.
 * @param accuracy - accuracies (%) along the path, endpoints first and last
 * @returns the drop (≥ 0)
 * @throws InvalidCurveError for an empty list, a non-finite value or a value outside 0..100
 */
export function accuracyDropPp(accuracy: readonly number[]): number {
  checkAccuracy('accuracyDropPp', accuracy);
  const m = Math.max(accuracy[0]!, accuracy[accuracy.length - 1]!);
  return m - Math.min(...accuracy);
}

/**
 * The reference implementation's "barrier height", a relative accuracy drop in percent:
 * with `m = max(a_0, a_S)`, `relativeAccuracyDropPct = (min_t a_t − m)/m × 100`, and 0 when m = 0.
 * Always ≤ 0, because the minimum includes the endpoints (the reference's comment promising positive
 * values is wrong). Example: [90, 80, 95] → −15.789…%; [50, 60, 70] → −28.571…%; [0, 0, 0] → 0.
 * @param accuracy - accuracies (%) along the path, endpoints first and last
 * @returns the relative drop in percent (≤ 0)
 * @throws InvalidCurveError for an empty list, a non-finite value or a value outside 0..100
 */
export function relativeAccuracyDropPct(accuracy: readonly number[]): number {
  checkAccuracy('relativeAccuracyDropPct', accuracy);
  const m = Math.max(accuracy[0]!, accuracy[accuracy.length - 1]!);
  if (m === 0) return 0;
  return ((Math.min(...accuracy) - m) / m) * 100;
}

/**
 * The reference implementation's linearity flag: `|a_⌊n/2⌋ − (a_0 + a_S)/2| < 0.5` with n the
 * number of points; true when n < 3. Example: [90, 80, 95] → false; [90, 92.4, 95] → true.
 * @param accuracy - accuracies (%) along the path
 * @returns whether the path's middle accuracy lies within 0.5 pp of the endpoints' mean
 * @throws InvalidCurveError for an empty list or a non-finite value
 */
export function linearity(accuracy: readonly number[]): boolean {
  checkValues('linearity', 'accuracy', accuracy);
  const n = accuracy.length;
  if (n < 3) return true;
  return Math.abs(accuracy[Math.floor(n / 2)]! - (accuracy[0]! + accuracy[n - 1]!) / 2) < 0.5;
}

/**
 * Synthetic-coherence peak barrier (relative to the *worse* endpoint, not the chord):
 * `peakBarrier = max_t L_t − max(L_0, L_S)`. Example: losses [1, 3, 2] → 1.
 * @param losses - losses along the path (e.g. test MSE), endpoints first and last
 * @returns the barrier (≥ 0)
 * @throws InvalidCurveError for an empty list or a non-finite value
 */
export function peakBarrier(losses: readonly number[]): number {
  checkValues('peakBarrier', 'losses', losses);
  return Math.max(...losses) - Math.max(losses[0]!, losses[losses.length - 1]!);
}

/**
 * Synthetic-coherence midpoint barrier: `L_⌊n/2⌋ − max(L_0, L_S)` with n points (index 10 of
 * 21 points is λ = 0.5). Example: losses [1, 3, 2] → 1. Any sign.
 * @param losses - losses along the path, endpoints first and last
 * @returns the barrier
 * @throws InvalidCurveError for an empty list or a non-finite value
 */
export function midpointBarrier(losses: readonly number[]): number {
  checkValues('midpointBarrier', 'losses', losses);
  return losses[Math.floor(losses.length / 2)]! - Math.max(losses[0]!, losses[losses.length - 1]!);
}

/** Every barrier of one split's curve, each under its own name (merging.md §4). */
export interface BarrierReport {
  /** `max_t [L_t − ((1−λ_t)L_0 + λ_t L_S)]` (≥ 0). */
  readonly lossBarrier: number;
  /** `L(0.5) − (L_0 + L_S)/2`, null when 0.5 is not on the grid. */
  readonly midpointLossBarrier: number | null;
  /** `max_t [((1−λ_t)a_0 + λ_t a_S) − a_t]` in pp (≥ 0); null without accuracies (regression). */
  readonly accuracyBarrierPp: number | null;
  /** `(a_0 + a_S)/2 − a(0.5)` in pp; null without accuracies or without 0.5 on the grid. */
  readonly midpointAccuracyBarrierPp: number | null;
  /** `max(a_0, a_S) − min_t a_t` in pp (≥ 0); null without accuracies. */
  readonly accuracyDropPp: number | null;
  /** The reference's `(min_t a_t − m)/m × 100`, m = max(a_0, a_S) (≤ 0); null without accuracies. */
  readonly relativeAccuracyDropPct: number | null;
  /** The reference's linearity flag on accuracy; null without accuracies. */
  readonly linearity: boolean | null;
  /** Synthetic form `max_t L_t − max(L_0, L_S)`. */
  readonly peakBarrier: number;
  /** Synthetic form `L_⌊n/2⌋ − max(L_0, L_S)`. */
  readonly midpointBarrier: number;
}

/**
 * All barrier variants of one curve (merging.md §4) in one plain object.
 * @param curve - `lambdas` (strictly increasing from 0 to 1), `loss` and optionally `accuracy`
 *   (percent; null or absent for regression) at each λ
 * @returns the {@link BarrierReport}
 * @throws InvalidCurveError for a malformed curve
 */
export function barriers(curve: {
  readonly lambdas: readonly number[];
  readonly loss: readonly number[];
  readonly accuracy?: readonly number[] | null;
}): BarrierReport {
  const { lambdas, loss, accuracy } = curve;
  const acc = accuracy ?? null;
  return {
    lossBarrier: lossBarrier(lambdas, loss),
    midpointLossBarrier: midpointLossBarrier(lambdas, loss),
    accuracyBarrierPp: acc ? accuracyBarrierPp(lambdas, acc) : null,
    midpointAccuracyBarrierPp: acc ? midpointAccuracyBarrierPp(lambdas, acc) : null,
    accuracyDropPp: acc ? accuracyDropPp(acc) : null,
    relativeAccuracyDropPct: acc ? relativeAccuracyDropPct(acc) : null,
    linearity: acc ? linearity(acc) : null,
    peakBarrier: peakBarrier(loss),
    midpointBarrier: midpointBarrier(loss),
  };
}
