import type { FixedPart, Layer, LinearLayer, Network, NormLayer } from '@nidkit/core';
import { Rng, tensor, validateNetwork } from '@nidkit/core';
import type { MlpConfig, ResolvedMlpConfig } from './config.js';
import { resolveMlpConfig } from './config.js';
import { makeGaussian, makeMask } from './fixed-parts.js';

function initLinear(cfg: ResolvedMlpConfig, l: number, fixed: FixedPart | undefined): LinearLayer {
  const inDim = cfg.widths[l]!;
  const out = cfg.widths[l + 1]!;
  const rng = Rng.stream(cfg.initSeed, 'init', l);
  const bound = 1 / Math.sqrt(inDim);
  const w = new Float32Array(out * inDim);
  if (cfg.family === 'w-asym' || cfg.family === 'syre') rng.fillNormal(w, 0, bound);
  else rng.fillUniform(w, -bound, bound);
  const b = rng.fillUniform(new Float32Array(out), -bound, bound);
  if (fixed?.kind === 'mask') {
    // cosmetic, as in the reference: raw entries at fixed positions hold F = κN
    const k = Math.fround(fixed.kappa);
    const d = fixed.mask.data;
    const n = fixed.normal.data;
    for (let i = 0; i < w.length; i++) if (d[i] === 0) w[i] = Math.fround(k * n[i]!);
  }
  return {
    type: 'linear',
    index: l,
    weight: tensor(w, [out, inDim]),
    bias: tensor(b, [out]),
    ...(fixed ? { fixed } : {}),
  };
}

function makeNorm(kind: 'layer' | 'batch', l: number, n: number): NormLayer {
  const base = {
    type: 'norm' as const,
    index: l,
    kind,
    gamma: tensor(new Float32Array(n).fill(1), [n]),
    beta: tensor(new Float32Array(n), [n]),
    eps: 1e-5,
  };
  if (kind === 'layer') return base;
  return {
    ...base,
    runningMean: tensor(new Float32Array(n), [n]),
    runningVar: tensor(new Float32Array(n).fill(1), [n]),
    numBatchesTracked: 0,
    momentum: 0.1,
  };
}

/**
 * Builds an MLP of one of the paper's four families as a core `Network` (models.md §3–§7):
 *
 * - `standard`: `z = W h + b`, dense default init `W, b ~ U(±1/√in)`;
 * - `w-asym`: `W_eff = D ⊙ W + (1−D) ⊙ κN` with exactly `num_fixed` zeros per row of D,
 *   `W ~ N(0, 1/in)` (raw entries at fixed positions set to F), `b ~ U(±1/√in)`;
 * - `sigma-asym`: dense layers, hidden nonlinearity the gate `h = sigmoid(C z) ⊙ z`, `C ~ N(0, 1)`;
 * - `syre` (𝒩-MLP): `W_eff = W + κN`, `W ~ N(0, 1/in)`, `b ~ U(±1/√in)`.
 *
 * Hidden layers: linear → norm (layer / batch / none) → activation (or gate); the output layer has
 * neither. Fixed parts come from streams `(maskSeed, 'mask' | 'normal' | 'noise' | 'gate', l)`, so
 * models with the same mask seed are compatible; W and b from `(initSeed, 'init', l)`. The seeds
 * and the resolved config are stored in `meta`.
 * @param config - family, widths, norm, activation, κ, num_fixed, nMul and seeds
 * @returns a validated network
 * @throws ModelConfigError for an invalid configuration
 */
export function buildMlp(config: MlpConfig): Network {
  const cfg = resolveMlpConfig(config);
  const L = cfg.widths.length - 1;
  const layers: Layer[] = [];
  if (cfg.inputShape.length > 1) layers.push({ type: 'flatten' });
  for (let l = 0; l < L; l++) {
    const inDim = cfg.widths[l]!;
    const out = cfg.widths[l + 1]!;
    let fixed: FixedPart | undefined;
    if (cfg.family === 'w-asym') {
      fixed = {
        kind: 'mask',
        mask: makeMask(cfg.maskSeed, l, out, inDim, cfg.numFixed[l]!),
        normal: makeGaussian(cfg.maskSeed, 'normal', l, out, inDim),
        kappa: cfg.kappa[l]!,
        numFixed: cfg.numFixed[l]!,
      };
    } else if (cfg.family === 'syre') {
      fixed = {
        kind: 'noise',
        noise: makeGaussian(cfg.maskSeed, 'noise', l, out, inDim),
        kappa: cfg.kappa[l]!,
      };
    }
    layers.push(initLinear(cfg, l, fixed));
    if (l < L - 1) {
      if (cfg.norm !== 'none') layers.push(makeNorm(cfg.norm, l, out));
      if (cfg.family === 'sigma-asym')
        layers.push({ type: 'gate', index: l, C: makeGaussian(cfg.maskSeed, 'gate', l, out, out) });
      else layers.push({ type: 'act', index: l, kind: cfg.activation });
    }
  }
  const seeds = cfg.family === 'standard' ? {} : { maskSeed: cfg.maskSeed };
  return validateNetwork({
    family: cfg.family,
    inputShape: cfg.inputShape,
    layers,
    meta: {
      ...seeds,
      initSeed: cfg.initSeed,
      ...(cfg.optimizationSeed === undefined ? {} : { optimizationSeed: cfg.optimizationSeed }),
      provenance: { builder: '@nidkit/models buildMlp', config: { ...cfg } },
    },
  });
}

/**
 * Per-model seeds derived from a run seed and the model index `m` (models.md §7: "initSeed_m,
 * optimizationSeed_m derived from a run seed and the model index"): stream `(runSeed, 'model-seeds', m)`.
 * @param runSeed - the run seed
 * @param m - model index
 * @returns `initSeed` and `optimizationSeed`, each a uint32
 */
export function deriveModelSeeds(
  runSeed: number,
  m: number,
): { initSeed: number; optimizationSeed: number } {
  const rng = Rng.stream(runSeed, 'model-seeds', m);
  return { initSeed: rng.nextUint32(), optimizationSeed: rng.nextUint32() };
}
