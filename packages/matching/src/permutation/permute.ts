import {
  InvalidArgumentError,
  Rng,
  forward,
  inputFeatures,
  mapTensors,
  tensor,
} from '@nidkit/core';
import type { Network, Tensor } from '@nidkit/core';
import { PermutationVerificationError } from '../errors.js';
import { assertPermutation } from './permutation.js';
import type { PermutationSpec } from './spec.js';
import { permutationSpec } from './spec.js';

/** How {@link permuteNetwork} checks that the function is preserved. */
export interface VerifyOptions {
  /** Probe inputs `[N, ...inputShape]`; default 256 samples of N(0, 1). */
  readonly inputs?: Tensor;
  /** Number of N(0, 1) probes when `inputs` is not given (default 256). */
  readonly samples?: number;
  /** Seed of the probes (default 0). */
  readonly seed?: number;
  /** Relative tolerance: max |Δlogit| ≤ tol · max(1, max |logit|) (default 1e−4). */
  readonly tolerance?: number;
}

/** Options of {@link permuteNetwork}. */
export interface PermuteOptions {
  /**
   * Run both networks (core's exact reference forward pass) on probe inputs and require
   * `max |Δlogit| ≤ 1e−4 · max(1, max |logit|)` (matching.md §6). Default false.
   */
  readonly verify?: boolean | VerifyOptions;
  /** A spec computed earlier for this architecture (saves deriving it again). */
  readonly spec?: PermutationSpec;
}

/**
 * Permutes one tensor along its spec'd axes: `new[r, c] = old[p[r], q[c]]` (rank 1 or 2).
 * @internal
 */
export function permuteTensor(
  t: Tensor<Float32Array>,
  perAxis: readonly (Int32Array | null)[],
): Tensor<Float32Array> {
  const src = t.data;
  const out = new Float32Array(src.length);
  if (t.shape.length === 1) {
    const p = perAxis[0];
    if (!p) return tensor(src.slice(), t.shape);
    for (let r = 0; r < p.length; r++) out[r] = src[p[r]!]!;
    return tensor(out, t.shape);
  }
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  const p = perAxis[0] ?? null;
  const q = perAxis[1] ?? null;
  for (let r = 0; r < rows; r++) {
    const so = (p ? p[r]! : r) * cols;
    const o = r * cols;
    if (q) for (let c = 0; c < cols; c++) out[o + c] = src[so + q[c]!]!;
    else out.set(src.subarray(so, so + cols), o);
  }
  return tensor(out, t.shape);
}

/**
 * Applies hidden-unit permutations to a network (matching.md §6): for every entry of the
 * {@link permutationSpec}, `new[…, r, …] = old[…, π[r], …]` — weight rows and the next layer's
 * columns, biases, norm γ/β and BatchNorm running statistics, and the fixed asymmetric parts:
 * mask D and normal matrix N (W-asym), noise N (syre) and the σ-gate `C' = C[π, π]`. The result
 * computes the same function (LayerNorm/BatchNorm are permutation-equivariant and
 * `sigmoid(C'Pz) ⊙ Pz = P(sigmoid(Cz) ⊙ z)`). The input network is not modified.
 *
 * @param net - the network (model B)
 * @param perms - one permutation per hidden layer, `perms[l]` of size `out_l`
 * @param options - `verify` (default false), `spec`
 * @returns a new network; `meta.provenance.permuted` records that it was permuted
 * @throws InvalidPermutationError for a wrong count, size or a non-permutation
 * @throws PermutationVerificationError when `verify` finds a different function
 */
export function permuteNetwork(
  net: Network,
  perms: readonly Int32Array[],
  options: PermuteOptions = {},
): Network {
  const spec = options.spec ?? permutationSpec(net);
  if (perms.length !== spec.perms.length) {
    throw new InvalidArgumentError(
      `permuteNetwork: wrong number of permutations — expected ${spec.perms.length} (one per hidden layer), got ${perms.length}`,
    );
  }
  spec.perms.forEach((g, k) =>
    assertPermutation(`permuteNetwork: perms[${k}] (${g.name})`, perms[k]!, g.size),
  );
  const out = mapTensors(
    net,
    (entry) => {
      const axes = spec.axes[entry.name];
      if (!axes || axes.every((a) => a === null)) return entry.tensor;
      return permuteTensor(
        entry.tensor,
        axes.map((a) => (a === null ? null : perms[a]!)),
      );
    },
    { meta: { ...net.meta, provenance: { ...(net.meta.provenance ?? {}), permuted: true } } },
  );
  if (options.verify) verifyPermutation(net, out, options.verify === true ? {} : options.verify);
  return out;
}

function verifyPermutation(before: Network, after: Network, opts: VerifyOptions): void {
  let inputs = opts.inputs;
  if (!inputs) {
    const n = opts.samples ?? 256;
    const d = inputFeatures(before);
    const rng = Rng.stream(opts.seed ?? 0, 'permute-verify');
    inputs = tensor(rng.fillNormal(new Float32Array(n * d)), [n, d]);
  }
  const a = forward(before, inputs).logits.data;
  const b = forward(after, inputs).logits.data;
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates
  }
  const tol = (opts.tolerance ?? 1e-4) * Math.max(1, maxAbs);
  if (!(maxDiff <= tol)) throw new PermutationVerificationError('permuteNetwork', maxDiff, tol);
}
