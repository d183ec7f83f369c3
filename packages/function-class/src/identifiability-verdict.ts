import { InvalidArgumentError } from '@nidkit/core';

/** Verdict of one layer (function-class.md §7). */
export type LayerVerdict = 'identifiable' | 'partial' | 'not-identifiable';

/** The activation-matching numbers a verdict is a function of. */
export interface VerdictInputs {
  /** `(1/n) Σ_i S[i, i]`: the identity pairing's mean similarity. */
  readonly identity: number;
  /** `(1/n) Σ_i S[i, π*(i)]`: the optimal assignment's mean similarity. */
  readonly optimal: number;
  /** Mean of the random-permutation baseline. */
  readonly randomMean: number;
  /** Sample standard deviation (ddof = 1) of the random baseline. */
  readonly randomStd: number;
  /** Fraction of neurons with `π*(i) = i`. */
  readonly fixedPointFraction: number;
}

/** Thresholds of {@link identifiabilityVerdict} (nidkit's operational choice, not the paper's). */
export interface VerdictThresholds {
  /** `identifiable` needs `identity ≥ identityRatio·optimal` (default 0.95). */
  readonly identityRatio: number;
  /** … and `fixedPointFraction ≥ fixedPointFraction` (default 0.9). */
  readonly fixedPointFraction: number;
  /** `not-identifiable` when `identity ≤ randomMean + randomSigmas·randomStd` (default 3). */
  readonly randomSigmas: number;
}

/** The default thresholds: 0.95, 0.9 and 3σ. */
export const DEFAULT_VERDICT_THRESHOLDS: VerdictThresholds = Object.freeze({
  identityRatio: 0.95,
  fixedPointFraction: 0.9,
  randomSigmas: 3,
});

/**
 * The identifiability verdict of one layer, a pure function of its activation-matching numbers
 * (function-class.md §7):
 * `identifiable` when `identity ≥ 0.95·optimal` and `fixedPointFraction ≥ 0.9`;
 * otherwise `not-identifiable` when `identity ≤ randomMean + 3·randomStd`;
 * otherwise `partial`. The thresholds are nidkit's, not the paper's, and can be overridden.
 * @param o - identity, optimal, randomMean, randomStd, fixedPointFraction
 * @param thresholds - overrides of the defaults
 * @returns the verdict
 * @throws InvalidArgumentError when any input is not finite (a verdict on NaN would be silently wrong)
 */
export function identifiabilityVerdict(
  o: VerdictInputs,
  thresholds: Partial<VerdictThresholds> = {},
): LayerVerdict {
  const th = { ...DEFAULT_VERDICT_THRESHOLDS, ...thresholds };
  for (const [name, value] of Object.entries({ ...o, ...th })) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new InvalidArgumentError(
        `identifiabilityVerdict: ${name} must be finite — expected a number, got ${value}`,
      );
    }
  }
  if (o.identity >= th.identityRatio * o.optimal && o.fixedPointFraction >= th.fixedPointFraction)
    return 'identifiable';
  if (o.identity <= o.randomMean + th.randomSigmas * o.randomStd) return 'not-identifiable';
  return 'partial';
}

/** The thresholds in words, for reports. */
export function describeThresholds(th: VerdictThresholds = DEFAULT_VERDICT_THRESHOLDS): string {
  return (
    `identifiable: identity ≥ ${th.identityRatio}·optimal and fixed-point fraction ≥ ${th.fixedPointFraction}; ` +
    `not identifiable: identity ≤ random mean + ${th.randomSigmas}·random std; partial: otherwise`
  );
}

/**
 * The overall plain-language verdict from per-layer verdicts: mergeable without alignment only
 * when every hidden layer is `identifiable`.
 * @param layers - `{ layer, verdict }` per hidden layer
 * @param th - thresholds, quoted in the text
 * @returns the flag and a sentence with the thresholds
 */
export function overallVerdict(
  layers: readonly { readonly layer: string; readonly verdict: LayerVerdict }[],
  th: VerdictThresholds = DEFAULT_VERDICT_THRESHOLDS,
): { mergeableWithoutAlignment: boolean; verdict: string } {
  const rule = `(${describeThresholds(th)})`;
  if (layers.length === 0) {
    return {
      mergeableWithoutAlignment: false,
      verdict: `no hidden layers to judge: nothing to say about neuron identifiability ${rule}`,
    };
  }
  const bad = layers.filter((l) => l.verdict === 'not-identifiable').map((l) => l.layer);
  const partial = layers.filter((l) => l.verdict === 'partial').map((l) => l.layer);
  if (bad.length === 0 && partial.length === 0) {
    return {
      mergeableWithoutAlignment: true,
      verdict: `neurons identifiable in every hidden layer: plain averaging should work ${rule}`,
    };
  }
  if (bad.length > 0) {
    return {
      mergeableWithoutAlignment: false,
      verdict: `not identifiable (${bad.join(', ')}${partial.length ? `; partial: ${partial.join(', ')}` : ''}): align first ${rule}`,
    };
  }
  return {
    mergeableWithoutAlignment: false,
    verdict: `partially identifiable (${partial.join(', ')}): plain averaging may lose accuracy, align first ${rule}`,
  };
}
