import { blocksOf, namedTensors } from '@nidkit/core';
import type { Network, TensorSlot } from '@nidkit/core';

/** One permutation of a spec: the hidden units of linear layer `layer`. */
export interface PermutationGroup {
  /** `P_{layer}`. */
  readonly name: string;
  /** Index of the hidden layer (`lins.{layer}` outputs). */
  readonly layer: number;
  /** Number of units. */
  readonly size: number;
}

/** One axis of one tensor that a permutation acts on. */
export interface PermutedAxis {
  /** State-dict key, e.g. `lins.1.weight`. */
  readonly tensor: string;
  readonly axis: number;
}

/**
 * Which permutation acts on which axis of which tensor (matching.md §5). Derived from the IR,
 * never hand-written.
 */
export interface PermutationSpec {
  /** `P_0 … P_{h−1}`, one per hidden layer, in order. */
  readonly perms: readonly PermutationGroup[];
  /** Tensor → one entry per axis: the index into `perms`, or null for an unpermuted axis. */
  readonly axes: Readonly<Record<string, readonly (number | null)[]>>;
  /** Inverse map: for each permutation (by index), the `(tensor, axis)` pairs it acts on. */
  readonly permToAxes: readonly (readonly PermutedAxis[])[];
}

const LINEAR_SLOTS: ReadonlySet<TensorSlot> = new Set(['weight', 'mask', 'normal_mask', 'noise']);
const UNIT_SLOTS: ReadonlySet<TensorSlot> = new Set([
  'gamma',
  'beta',
  'running_mean',
  'running_var',
]);

/**
 * The permutation spec of an MLP chain (matching.md §5): for L linear layers, h = L − 1 hidden
 * permutations `P_l` of size `out_l`. `lins.l.{weight, mask, normal_mask, noise}` have rows `P_l`
 * (hidden l) and columns `P_{l−1}` (l ≥ 1); `lins.l.bias` and `norms.l.*` (γ, β, running
 * statistics) follow `P_l`; the σ-gate `activations.l.C` follows `P_l` on **both** axes; the output
 * layer's rows and bias are not permuted; κ and counters are scalars and unchanged.
 *
 * @param net - any core IR network
 * @returns the spec with both maps
 * @throws InvalidNetworkError when the layer chain is malformed
 */
export function permutationSpec(net: Network): PermutationSpec {
  const blocks = blocksOf(net);
  const h = blocks.length - 1;
  const perms: PermutationGroup[] = blocks.slice(0, Math.max(0, h)).map((b) => ({
    name: `P_${b.index}`,
    layer: b.index,
    size: b.linear.weight.shape[0]!,
  }));
  const position = new Map<number, number>(perms.map((p, k) => [p.layer, k]));
  const rowPerm = (l: number): number | null => position.get(l) ?? null;
  const axes: Record<string, (number | null)[]> = {};
  const permToAxes: PermutedAxis[][] = perms.map(() => []);
  for (const entry of namedTensors(net)) {
    const l = entry.layer;
    let spec: (number | null)[];
    if (LINEAR_SLOTS.has(entry.slot)) {
      spec = [rowPerm(l), l >= 1 ? rowPerm(l - 1) : null];
    } else if (entry.slot === 'bias' || UNIT_SLOTS.has(entry.slot)) {
      spec = [rowPerm(l)];
    } else {
      // σ-gate C: P_l on rows and columns.
      spec = [rowPerm(l), rowPerm(l)];
    }
    axes[entry.name] = spec;
    spec.forEach((p, axis) => {
      if (p !== null) permToAxes[p]!.push({ tensor: entry.name, axis });
    });
  }
  return { perms, axes, permToAxes };
}
