import {
  IncompatibleModelsError,
  InvalidArgumentError,
  Rng,
  matmulTransposedRaw,
  namedTensors,
  toDense,
} from '@nidkit/core';
import type { ModelDifference, Network } from '@nidkit/core';
import { assignDense } from '../assignment/linear-sum-assignment.js';
import { assertPermutation, identityPermutation } from '../permutation/permutation.js';
import type { PermutationSpec } from '../permutation/spec.js';
import { permutationSpec } from '../permutation/spec.js';

/** Options of {@link weightMatching}. */
export interface WeightMatchingOptions {
  /** Restarts with different (seeded) visiting orders (default 10). */
  readonly restarts?: number;
  /** Maximum sweeps over all permutations per restart (default 100). */
  readonly maxIter?: number;
  /** Seed of the visiting orders (default 0). */
  readonly seed?: number;
  /** Initial permutations (default: identities). */
  readonly init?: readonly Int32Array[];
}

/** Result of {@link weightMatching}. */
export interface WeightMatchingResult {
  /** One permutation per hidden layer: the argument of `permuteNetwork(netB, …)`. */
  readonly permutations: Int32Array[];
  /** `Σ_t ‖A[t] − π(B)[t]‖₂` over the matched dense tensors (sum of per-tensor L2 norms). */
  readonly score: number;
  /** Sweeps the best restart ran (the last one made no progress unless `maxIter` was hit). */
  readonly sweeps: number;
  /** Score of every restart, in order. */
  readonly restartScores: number[];
}

interface DenseTensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  readonly axes: readonly (number | null)[];
}

/** Dense (effective) float64 tensors of a network with their spec axes; σ-gate C excluded. */
function denseTensors(net: Network, spec: PermutationSpec): Map<string, DenseTensor> {
  const dense = net.family === 'sigma-asym' ? net : toDense(net);
  const out = new Map<string, DenseTensor>();
  for (const e of namedTensors(dense)) {
    if (e.slot === 'C') continue;
    out.set(e.name, {
      data: Float64Array.from(e.tensor.data),
      shape: e.tensor.shape,
      axes: spec.axes[e.name] ?? e.tensor.shape.map(() => null),
    });
  }
  return out;
}

/**
 * `t` with `axis` moved first and flattened to `n × rest`, every other permuted axis permuted by
 * `cur` (rank ≤ 2).
 */
function moveFirst(
  t: DenseTensor,
  axis: number,
  cur: readonly Int32Array[] | null,
  skip: number,
): Float64Array {
  if (t.shape.length === 1) return t.data;
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  const other = t.axes[1 - axis];
  const q = cur && other !== null && other !== undefined && other !== skip ? cur[other]! : null;
  if (axis === 0) {
    if (!q) return t.data;
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[r * cols + c] = t.data[r * cols + q[c]!]!;
    return out;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const src = (q ? q[r]! : r) * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[src + c]!;
  }
  return out;
}

function permuteDense(t: DenseTensor, perms: readonly Int32Array[]): Float64Array {
  const p = t.axes[0] !== null && t.axes[0] !== undefined ? perms[t.axes[0]]! : null;
  if (t.shape.length === 1) return p ? Float64Array.from(p, (i) => t.data[i]!) : t.data;
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  const q = t.axes[1] !== null && t.axes[1] !== undefined ? perms[t.axes[1]]! : null;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const src = (p ? p[r]! : r) * cols;
    for (let c = 0; c < cols; c++) out[r * cols + c] = t.data[src + (q ? q[c]! : c)]!;
  }
  return out;
}

function distance(
  a: Map<string, DenseTensor>,
  b: Map<string, DenseTensor>,
  perms: readonly Int32Array[],
): number {
  let score = 0;
  for (const [name, ta] of a) {
    const pb = permuteDense(b.get(name)!, perms);
    let s = 0;
    for (let i = 0; i < pb.length; i++) {
      const d = ta.data[i]! - pb[i]!;
      s += d * d;
    }
    score += Math.sqrt(s);
  }
  return score;
}

/**
 * Weight matching (Git Re-Basin coordinate descent, matching.md §9), the data-free alternative
 * to activation matching. On the dense effective weights of both models (`toDense`; σ-MLPs: the
 * trainable weights, C excluded) — every tensor of the permutation spec: weights, biases, norm γ/β
 * and BatchNorm running statistics — repeatedly visit the permutations `P_l` in a seeded random
 * order and set `P_l = argmax_π Σ_i G[i, π(i)]` with
 * `G = Σ_{(tensor, axis) ∈ P_l} A_axis · B_axis(cur)ᵀ` (tensors flattened with `axis` first and
 * B's other permuted axes permuted by the current permutations), until a sweep makes no progress
 * or `maxIter` sweeps ran. Restarts differ only in the visiting order; the restart with the
 * smallest `score = Σ_t ‖A[t] − π(B)[t]‖₂` wins. The permutations are then applied to the
 * structured model B with `permuteNetwork`.
 *
 * @param netA - model A
 * @param netB - model B (same architecture)
 * @param options - `restarts` (10), `maxIter` (100), `seed` (0), `init`
 * @returns permutations (one per hidden layer), score, sweeps and every restart's score
 * @throws IncompatibleModelsError when the architectures differ
 * @throws InvalidArgumentError for non-positive restarts/maxIter; InvalidPermutationError for a bad init
 */
export function weightMatching(
  netA: Network,
  netB: Network,
  options: WeightMatchingOptions = {},
): WeightMatchingResult {
  const where = 'weightMatching';
  const restarts = options.restarts ?? 10;
  const maxIter = options.maxIter ?? 100;
  for (const [name, v] of [
    ['restarts', restarts],
    ['maxIter', maxIter],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new InvalidArgumentError(
        `${where}: ${name} must be a positive integer — expected ≥ 1, got ${v}`,
      );
  }
  const specA = permutationSpec(netA);
  const specB = permutationSpec(netB);
  const A = denseTensors(netA, specA);
  const B = denseTensors(netB, specA);
  const diffs: ModelDifference[] = [];
  if (specA.perms.length !== specB.perms.length) {
    diffs.push({
      layer: 'network',
      tensor: 'hidden layers',
      description: `A has ${specA.perms.length}, B has ${specB.perms.length}`,
    });
  }
  for (const [name, ta] of A) {
    const tb = B.get(name);
    if (!tb)
      diffs.push({
        layer: name.split('.').slice(0, 2).join('.'),
        tensor: name,
        description: 'missing in B',
      });
    else if (ta.shape.join() !== tb.shape.join()) {
      diffs.push({
        layer: name.split('.').slice(0, 2).join('.'),
        tensor: name,
        description: `shape [${ta.shape.join(', ')}] in A, [${tb.shape.join(', ')}] in B`,
      });
    }
  }
  for (const name of B.keys())
    if (!A.has(name))
      diffs.push({
        layer: name.split('.').slice(0, 2).join('.'),
        tensor: name,
        description: 'missing in A',
      });
  if (diffs.length > 0) throw new IncompatibleModelsError(where, diffs);

  const sizes = specA.perms.map((p) => p.size);
  const init = options.init ?? sizes.map(identityPermutation);
  if (init.length !== sizes.length) {
    throw new InvalidArgumentError(
      `${where}: wrong number of initial permutations — expected ${sizes.length}, got ${init.length}`,
    );
  }
  init.forEach((p, k) => assertPermutation(`${where}: init[${k}]`, p, sizes[k]!));

  let best: { perms: Int32Array[]; score: number; sweeps: number } | null = null;
  const restartScores: number[] = [];
  const order = sizes.map((_, k) => k);
  for (let restart = 0; restart < restarts; restart++) {
    const rng = Rng.stream(options.seed ?? 0, 'weight-matching', restart);
    const cur = init.map((p) => Int32Array.from(p));
    let sweeps = 0;
    for (let it = 0; it < maxIter; it++) {
      sweeps++;
      let progress = false;
      rng.shuffleInPlace(order);
      for (const k of order) {
        const n = sizes[k]!;
        const G = new Float64Array(n * n);
        const part = new Float64Array(n * n);
        for (const { tensor, axis } of specA.permToAxes[k]!) {
          const ta = A.get(tensor);
          const tb = B.get(tensor);
          if (!ta || !tb) continue; // C of a σ-gate is excluded
          const rest = ta.data.length / n;
          const wa = moveFirst(ta, axis, null, k);
          const wb = moveFirst(tb, axis, cur, k);
          matmulTransposedRaw(wa, wb, n, rest, n, part);
          for (let i = 0; i < G.length; i++) G[i]! += part[i]!;
        }
        const before = cur[k]!;
        let oldL = 0;
        for (let i = 0; i < n; i++) oldL += G[i * n + before[i]!]!;
        const res = assignDense(G, n, n, true, true);
        // assignDense negated G in place when maximizing; its total is in the original scale.
        if (res.total > oldL + 1e-12) progress = true;
        cur[k] = Int32Array.from(res.colInd);
      }
      if (!progress) break;
    }
    const score = distance(A, B, cur);
    restartScores.push(score);
    if (!best || score < best.score) best = { perms: cur, score, sweeps };
  }
  return { permutations: best!.perms, score: best!.score, sweeps: best!.sweeps, restartScores };
}
