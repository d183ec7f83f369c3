/** Hyper-parameters of {@link optimizerStep}. */
export interface OptimizerConfig {
  readonly kind: 'adamw' | 'sgd';
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly momentum: number;
}

/** One parameter's view for the optimizer. */
export interface OptimizerSlot {
  /** Raw values, updated in place (float32). */
  readonly value: Float32Array;
  /** AdamW first moment or SGD momentum buffer (float32, in place). */
  readonly m: Float32Array;
  /** AdamW second moment (float32, in place); unused by SGD. */
  readonly v: Float32Array;
  /** 1 = trainable entry, 0 = fixed entry (never touched); null = all trainable. */
  readonly mask: Uint8Array | null;
  /** Weight decay of this parameter. */
  readonly weightDecay: number;
}

/**
 * One optimizer step on float32 arrays, with PyTorch semantics (state stored in float32, each
 * update rounded to float32):
 *
 * AdamW (step t ≥ 1): `θ ← θ·(1 − lr·wd)`; `m ← β1 m + (1−β1) g`; `v ← β2 v + (1−β2) g²`;
 * `θ ← θ − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + eps)`.
 * SGD: `g ← g + wd·θ`; `buf ← μ·buf + g` (when μ ≠ 0); `θ ← θ − lr·buf`.
 *
 * Entries with `mask = 0` are skipped entirely: their value, moments and decay never change.
 * @param cfg - optimizer and hyper-parameters
 * @param t - the step number (1-based)
 * @param slot - the parameter, its state and its mask
 * @param g - the gradient, same layout
 */
export function optimizerStep(
  cfg: OptimizerConfig,
  t: number,
  slot: OptimizerSlot,
  g: Float32Array,
): void {
  const { value: p, m, v, mask } = slot;
  const n = p.length;
  if (cfg.kind === 'adamw') {
    const [b1, b2] = cfg.betas;
    const decay = 1 - cfg.lr * slot.weightDecay;
    const stepSize = cfg.lr / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const eps = cfg.eps;
    for (let i = 0; i < n; i++) {
      if (mask !== null && mask[i] === 0) continue;
      const gi = g[i]!;
      m[i] = b1 * m[i]! + c1 * gi;
      v[i] = b2 * v[i]! + c2 * gi * gi;
      const p1 = Math.fround(p[i]! * decay);
      p[i] = p1 - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2Sqrt + eps);
    }
    return;
  }
  const { lr, momentum: mu } = cfg;
  const wd = slot.weightDecay;
  for (let i = 0; i < n; i++) {
    if (mask !== null && mask[i] === 0) continue;
    const gi = Math.fround(wd !== 0 ? g[i]! + wd * p[i]! : g[i]!);
    let d = gi;
    if (mu !== 0) {
      m[i] = mu * m[i]! + gi;
      d = m[i]!;
    }
    p[i] = p[i]! - lr * d;
  }
}
