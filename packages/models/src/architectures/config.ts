import type { Family } from '@nidkit/core';
import { ModelConfigError } from '../errors.js';

/** Normalization after each hidden linear layer (models.md §9). */
export type NormKind = 'layer' | 'batch' | 'none';

/** Hidden activation of standard, W-asym and syre MLPs (σ-MLPs use the gate instead). */
export type HiddenActivation = 'gelu' | 'relu';

/**
 * Configuration of an MLP of one of the paper's four families (models.md §3–§7).
 *
 * Per-layer values (`kappa`, `numFixed`) are a single number (every linear layer) or one number
 * per linear layer `l = 0..L−1`.
 */
export interface MlpConfig {
  /** `standard` (default), `w-asym`, `sigma-asym` or `syre`. */
  readonly family?: Family;
  /** Layer widths `[in, h_0, …, h_{L−2}, out]`, e.g. `[784, 512, 512, 512, 10]` (L = 4). */
  readonly widths: readonly number[];
  /** Per-sample input shape (default `[widths[0]]`); e.g. `[1, 28, 28]` adds a flatten layer. */
  readonly inputShape?: readonly number[];
  /** Hidden normalization (default `layer`). */
  readonly norm?: NormKind;
  /** Hidden activation (default `gelu`); ignored by `sigma-asym`. */
  readonly activation?: HiddenActivation;
  /** κ = σ_F per linear layer (W-asym and syre; default 1). Stored with `Math.fround`. */
  readonly kappa?: number | readonly number[];
  /** Fixed entries per mask row, per linear layer (W-asym; required for that family). */
  readonly numFixed?: number | readonly number[];
  /** Multiplier of every `numFixed`, truncated to an integer (default 1; 64 × 1.5 → 96). */
  readonly nMul?: number;
  /** Seed of all fixed parts (D, N, C): models with the same mask seed are compatible (default 0). */
  readonly maskSeed?: number;
  /** Seed of the trainable weights' initialization (default 0). */
  readonly initSeed?: number;
  /** Seed of the minibatch order, recorded in `meta` for `trainNetwork` (default: unset). */
  readonly optimizationSeed?: number;
}

/** A configuration with every default filled in and per-layer values expanded. */
export interface ResolvedMlpConfig {
  readonly family: Family;
  readonly widths: readonly number[];
  readonly inputShape: readonly number[];
  readonly norm: NormKind;
  readonly activation: HiddenActivation;
  /** κ per linear layer (float32 values); empty for standard and σ-MLPs. */
  readonly kappa: readonly number[];
  /** num_fixed per linear layer after `nMul`; empty unless W-asym. */
  readonly numFixed: readonly number[];
  readonly nMul: number;
  readonly maskSeed: number;
  readonly initSeed: number;
  readonly optimizationSeed?: number;
}

const FAMILIES: readonly Family[] = ['standard', 'w-asym', 'sigma-asym', 'syre'];

function checkSeed(field: string, v: number | undefined, fallback: number): number {
  const s = v ?? fallback;
  if (!Number.isSafeInteger(s) || s < 0) {
    throw new ModelConfigError(
      field,
      `buildMlp: ${field} must be a non-negative safe integer — got ${String(v)}`,
    );
  }
  return s;
}

function perLayer(
  field: string,
  v: number | readonly number[] | undefined,
  fallback: number | undefined,
  L: number,
): number[] {
  if (v === undefined) {
    if (fallback === undefined) {
      throw new ModelConfigError(
        field,
        `buildMlp: ${field} is required for this family — expected a number or ${L} numbers, got undefined (paperMlpConfig gives the paper's values)`,
      );
    }
    return new Array<number>(L).fill(fallback);
  }
  if (typeof v === 'number') return new Array<number>(L).fill(v);
  if (v.length !== L) {
    throw new ModelConfigError(
      field,
      `buildMlp: ${field} must have one value per linear layer — expected ${L}, got ${v.length}`,
    );
  }
  return [...v];
}

/**
 * Fills the defaults of an {@link MlpConfig} and checks every field.
 * `num_fixed` becomes `trunc(numFixed · nMul)` and must satisfy `0 ≤ num_fixed < in` per layer.
 * @param config - the configuration
 * @returns the resolved configuration
 * @throws ModelConfigError naming the offending field
 */
export function resolveMlpConfig(config: MlpConfig): ResolvedMlpConfig {
  const family = config.family ?? 'standard';
  if (!FAMILIES.includes(family)) {
    throw new ModelConfigError(
      'family',
      `buildMlp: unknown family — expected one of ${FAMILIES.join(', ')}, got ${String(family)}`,
    );
  }
  const widths = [...config.widths];
  if (widths.length < 2 || widths.some((w) => !Number.isSafeInteger(w) || w <= 0)) {
    throw new ModelConfigError(
      'widths',
      `buildMlp: widths must be at least two positive integers [in, …, out] — got [${widths.join(', ')}]`,
    );
  }
  const L = widths.length - 1;
  const inputShape = [...(config.inputShape ?? [widths[0]!])];
  const prod = inputShape.reduce((a, b) => a * b, 1);
  if (
    inputShape.length === 0 ||
    inputShape.some((d) => !Number.isSafeInteger(d) || d <= 0) ||
    prod !== widths[0]
  ) {
    throw new ModelConfigError(
      'inputShape',
      `buildMlp: inputShape must be positive integers whose product is widths[0] — expected product ${widths[0]}, got [${inputShape.join(', ')}]`,
    );
  }
  const norm = config.norm ?? 'layer';
  if (!['layer', 'batch', 'none'].includes(norm)) {
    throw new ModelConfigError(
      'norm',
      `buildMlp: norm must be layer, batch or none — got ${String(norm)}`,
    );
  }
  const activation = config.activation ?? 'gelu';
  if (!['gelu', 'relu'].includes(activation)) {
    throw new ModelConfigError(
      'activation',
      `buildMlp: activation must be gelu or relu — got ${String(activation)}`,
    );
  }
  const nMul = config.nMul ?? 1;
  if (!Number.isFinite(nMul) || nMul < 0) {
    throw new ModelConfigError('nMul', `buildMlp: nMul must be a finite number ≥ 0 — got ${nMul}`);
  }
  let kappa: number[] = [];
  let numFixed: number[] = [];
  if (family === 'w-asym' || family === 'syre') {
    kappa = perLayer('kappa', config.kappa, 1, L).map((k, l) => {
      if (!Number.isFinite(k))
        throw new ModelConfigError(
          `kappa[${l}]`,
          `buildMlp: κ of layer ${l} must be finite — got ${k}`,
        );
      return Math.fround(k);
    });
  }
  if (family === 'w-asym') {
    numFixed = perLayer('numFixed', config.numFixed, undefined, L).map((n, l) => {
      if (!Number.isFinite(n) || n < 0) {
        throw new ModelConfigError(
          `numFixed[${l}]`,
          `buildMlp: numFixed of layer ${l} must be ≥ 0 — got ${n}`,
        );
      }
      const k = Math.trunc(n * nMul);
      const inDim = widths[l]!;
      if (k >= inDim) {
        throw new ModelConfigError(
          `numFixed[${l}]`,
          `buildMlp: layer ${l} would fix ${k} of ${inDim} entries per row — expected num_fixed < ${inDim}, got ${k}`,
        );
      }
      return k;
    });
  }
  const optimizationSeed =
    config.optimizationSeed === undefined
      ? undefined
      : checkSeed('optimizationSeed', config.optimizationSeed, 0);
  return {
    family,
    widths,
    inputShape,
    norm,
    activation,
    kappa,
    numFixed,
    nMul,
    maskSeed: checkSeed('maskSeed', config.maskSeed, 0),
    initSeed: checkSeed('initSeed', config.initSeed, 0),
    ...(optimizationSeed === undefined ? {} : { optimizationSeed }),
  };
}

/** The κ columns of the paper's W-MLP table (models.md §4). */
export type PaperKappa = 'kappa0' | 'kappa1' | 'kappaPerLayer';

/** Options of {@link paperMlpConfig}. */
export interface PaperMlpOptions {
  /** Family (default `standard`). */
  readonly family?: Family;
  /** κ column for W-asym / syre (default `kappa1`). */
  readonly kappa?: PaperKappa;
  /** Hidden width (default 512); `numFixed` of layers 1–3 scales with the row length. */
  readonly width?: number;
  readonly norm?: NormKind;
  readonly activation?: HiddenActivation;
  readonly nMul?: number;
  readonly maskSeed?: number;
  readonly initSeed?: number;
  readonly optimizationSeed?: number;
}

const PAPER_KAPPA: Record<PaperKappa, readonly number[]> = {
  kappa0: [0, 0, 0, 0],
  kappa1: [1, 1, 1, 1],
  kappaPerLayer: [1, 1, 0.5, 0.25],
};

/**
 * The paper's MNIST MLP: `784 → w → w → w → 10` (w = 512), input `[1, 28, 28]`, LayerNorm + GELU,
 * W-asym `num_fixed` 64/64/64/256 (fractions 8.2 %/12.5 %/12.5 %/50 % of the row, kept when the
 * width changes: layer l ≥ 1 fixes `round(64·w/512)`, the output layer `round(256·w/512)`), and κ per
 * layer from the chosen column (`kappa0` 0/0/0/0, `kappa1` 1/1/1/1, `kappaPerLayer` 1/1/0.5/0.25).
 * @param options - family, κ column, width and seeds
 * @returns an {@link MlpConfig} for {@link buildMlp}
 * @throws ModelConfigError for a non-positive width or an unknown κ column
 */
export function paperMlpConfig(options: PaperMlpOptions = {}): MlpConfig {
  const w = options.width ?? 512;
  if (!Number.isSafeInteger(w) || w <= 0) {
    throw new ModelConfigError(
      'width',
      `paperMlpConfig: width must be a positive integer — got ${w}`,
    );
  }
  const family = options.family ?? 'standard';
  const column = options.kappa ?? 'kappa1';
  const kappa = PAPER_KAPPA[column];
  if (!kappa)
    throw new ModelConfigError(
      'kappa',
      `paperMlpConfig: unknown κ column — expected kappa0, kappa1 or kappaPerLayer, got ${String(column)}`,
    );
  return {
    family,
    widths: [784, w, w, w, 10],
    inputShape: [1, 28, 28],
    norm: options.norm ?? 'layer',
    activation: options.activation ?? 'gelu',
    ...(family === 'w-asym' || family === 'syre' ? { kappa } : {}),
    ...(family === 'w-asym'
      ? {
          numFixed: [
            64,
            Math.round((64 * w) / 512),
            Math.round((64 * w) / 512),
            Math.round((256 * w) / 512),
          ],
        }
      : {}),
    ...(options.nMul === undefined ? {} : { nMul: options.nMul }),
    ...(options.maskSeed === undefined ? {} : { maskSeed: options.maskSeed }),
    ...(options.initSeed === undefined ? {} : { initSeed: options.initSeed }),
    ...(options.optimizationSeed === undefined
      ? {}
      : { optimizationSeed: options.optimizationSeed }),
  };
}
