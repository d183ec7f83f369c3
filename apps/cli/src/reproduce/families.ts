import type { Family } from '@nidkit/core';

/** One MNIST model configuration of the reproduction experiments. */
export interface Variant {
  /** Stable id used in file names, e.g. `w-kappa1`. */
  readonly id: string;
  /** Label in tables and plots. */
  readonly label: string;
  readonly family: Family;
  /** κ of every linear layer (W-asym, syre). */
  readonly kappa?: number;
}

/** The five families of experiment lmc-families (results.md §1, plus the σ-MLP). */
export const LMC_VARIANTS: readonly Variant[] = [
  { id: 'standard', label: 'standard MLP', family: 'standard' },
  { id: 'w-kappa0', label: 'W-MLP κ=0', family: 'w-asym', kappa: 0 },
  { id: 'w-kappa1', label: 'W-MLP κ=1', family: 'w-asym', kappa: 1 },
  { id: 'syre-kappa1', label: 'syre (𝒩-MLP) κ=1', family: 'syre', kappa: 1 },
  { id: 'sigma', label: 'σ-MLP', family: 'sigma-asym' },
];

/** The W-MLP variant with uniform κ (ids agree with {@link LMC_VARIANTS} for κ = 0 and 1, so models are shared). */
export function wVariant(kappa: number): Variant {
  return { id: `w-kappa${kappa}`, label: `W-MLP κ=${kappa}`, family: 'w-asym', kappa };
}

/** The standard MLP variant. */
export const STANDARD: Variant = LMC_VARIANTS[0]!;
