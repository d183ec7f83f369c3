import {
  IncompatibleModelsError,
  InvalidArgumentError,
  ShapeMismatchError,
  hiddenWidths,
  sliceRows,
} from '@nidkit/core';
import type { Evaluator, ModelDifference, Network, RecordingPoint, Tensor } from '@nidkit/core';
import { CrossStatistics, SIMILARITY_KINDS, isDissimilarity } from '../similarity/similarity.js';
import type { SimilarityKind } from '../similarity/similarity.js';
import { matchingObjective } from './objective.js';

/** Where a hidden layer's activations are recorded (matching.md §2). */
export type MatchingPoint = 'post_linear' | 'post_norm' | 'post_activation';

/** `real` maximizes ρ (nidkit); `reference-anti` maximizes `1 − |ρ|` as the reference code does (matching.md §8). */
export type Alignment = 'real' | 'reference-anti';

/** Options of {@link accumulateActivationStatistics}. */
export interface AccumulateOptions {
  /** Recording points (default `post_activation`). */
  readonly points?: readonly MatchingPoint[];
  /** Samples per evaluator call (default 2048). */
  readonly batchSize?: number;
}

/** Streaming statistics per recording point and hidden layer. */
export interface ActivationStatistics {
  readonly points: readonly MatchingPoint[];
  /** Hidden widths `[n_0, …, n_{h−1}]`. */
  readonly widths: readonly number[];
  /** `stats[point][l]`: the cross statistics of hidden layer l at that point. */
  readonly stats: Readonly<Record<string, readonly CrossStatistics[]>>;
  readonly samples: number;
}

/** Options of {@link activationMatching}. */
export interface ActivationMatchingOptions {
  /** Recording point (default `post_activation`). */
  readonly point?: MatchingPoint;
  /** Similarity (default `pearson_zero_for_constant`; `reference-anti` uses `uncorrelatedness_one_for_constant`). */
  readonly similarity?: SimilarityKind;
  /** Default `real`. */
  readonly alignment?: Alignment;
  /** Seed of the random-permutation baselines (default 0). */
  readonly seed?: number;
  /** Random permutations per layer for the baseline (default 100). */
  readonly randomSamples?: number;
  /** Samples per evaluator call (default 2048). */
  readonly batchSize?: number;
  /** Keep each layer's similarity matrix in the result (default false). */
  readonly keepSimilarity?: boolean;
}

/** The matching of one hidden layer. */
export interface LayerMatching {
  /** Hidden layer index l (the permutation `P_l`). */
  readonly layer: number;
  /** Number of units n. */
  readonly size: number;
  /** π: `permutation[i]` = the unit of B matched to unit i of A; apply it to B with `permuteNetwork`. */
  readonly permutation: Int32Array;
  /** `(1/n) Σ_i S[i, π(i)]`. */
  readonly optimal: number;
  /** `(1/n) Σ_i S[i, i]`. */
  readonly identity: number;
  /** Mean over `randomSamples` random permutations σ of `(1/n) Σ_i S[i, σ(i)]`. */
  readonly randomMean: number;
  /** Sample std (ddof = 1) of the same. */
  readonly randomStd: number;
  /** Fraction of units with π(i) = i. */
  readonly fixedPointFraction: number;
  /** Constant units of A (min = max over all samples). */
  readonly constantA: number[];
  /** Constant units of B. */
  readonly constantB: number[];
  /** `S` (`[n, n]`), only with `keepSimilarity`. */
  readonly similarity?: Tensor<Float64Array>;
}

/** Result of {@link activationMatching}. */
export interface ActivationMatchingResult {
  readonly schemaVersion: 1;
  readonly point: MatchingPoint;
  readonly similarity: SimilarityKind;
  readonly alignment: Alignment;
  /** True when the assignment maximized S. */
  readonly maximize: boolean;
  readonly samples: number;
  readonly seed: number;
  readonly randomSamples: number;
  /** Evaluator name (`reference`, `onnxruntime`, …). */
  readonly evaluator: string;
  /** One entry per hidden layer, in order. */
  readonly layers: LayerMatching[];
  /** The permutations, one per hidden layer: the argument of `permuteNetwork(netB, …)`. */
  readonly permutations: Int32Array[];
}

const POINTS: readonly MatchingPoint[] = ['post_linear', 'post_norm', 'post_activation'];

function checkCompatible(where: string, a: Network, b: Network): number[] {
  const wa = hiddenWidths(a);
  const wb = hiddenWidths(b);
  const diffs: ModelDifference[] = [];
  if (wa.length !== wb.length) {
    diffs.push({
      layer: 'network',
      tensor: 'hidden layers',
      description: `A has ${wa.length} hidden layers, B has ${wb.length}`,
    });
  } else {
    wa.forEach((w, l) => {
      if (w !== wb[l])
        diffs.push({
          layer: `lins.${l}`,
          tensor: `lins.${l}.weight`,
          description: `A has ${w} units, B has ${wb[l]}`,
        });
    });
  }
  if (a.inputShape.join() !== b.inputShape.join()) {
    diffs.push({
      layer: 'network',
      tensor: 'inputShape',
      description: `A [${a.inputShape.join(', ')}], B [${b.inputShape.join(', ')}]`,
    });
  }
  if (diffs.length > 0) throw new IncompatibleModelsError(where, diffs);
  if (wa.length === 0)
    throw new InvalidArgumentError(
      `${where}: the networks have no hidden layer — expected at least 2 linear layers, got 1`,
    );
  return wa;
}

/**
 * One pass over `inputs` (matching.md §2, §7): each chunk goes through A and then B via the
 * evaluator (eval mode), and the activations at every requested point of every hidden layer are
 * folded into streaming {@link CrossStatistics} (float64, per-column shift) — by the evaluator's
 * runtime when it offers `crossChunk` (onnxruntime), else by core's kernel. Memory is bounded by
 * the chunk size and `O(n²)` per layer, independent of N.
 *
 * @param evaluator - core `Evaluator` (reference or onnxruntime)
 * @param netA - model A
 * @param netB - model B (same hidden widths)
 * @param inputs - `[N, ...inputShape]`
 * @param options - `points` (default `[post_activation]`), `batchSize` (default 2048)
 * @returns the statistics per point and layer
 * @throws IncompatibleModelsError when the hidden widths or input shapes differ
 * @throws ShapeMismatchError when the evaluator returns activations of an unexpected shape
 */
export async function accumulateActivationStatistics(
  evaluator: Evaluator,
  netA: Network,
  netB: Network,
  inputs: Tensor,
  options: AccumulateOptions = {},
): Promise<ActivationStatistics> {
  const where = 'accumulateActivationStatistics';
  const widths = checkCompatible(where, netA, netB);
  const points: MatchingPoint[] = [
    ...new Set<MatchingPoint>(options.points ?? ['post_activation']),
  ];
  for (const p of points) {
    if (!POINTS.includes(p))
      throw new InvalidArgumentError(
        `${where}: unknown recording point — expected ${POINTS.join(', ')}, got "${String(p)}"`,
      );
  }
  const batch = options.batchSize ?? 2048;
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new InvalidArgumentError(`${where}: batchSize must be a positive integer, got ${batch}`);
  const N = inputs.shape[0] ?? 0;
  if (N === 0) throw new InvalidArgumentError(`${where}: no input samples — expected N ≥ 1, got 0`);
  const record: RecordingPoint[] = [];
  const stats: Record<string, CrossStatistics[]> = {};
  for (const point of points) {
    stats[point] = widths.map((w, layer) => {
      record.push({ layer, point });
      return new CrossStatistics(
        w,
        w,
        evaluator.crossChunk ? { crossChunk: evaluator.crossChunk } : {},
      );
    });
  }
  const all = Object.values(stats).flat();
  try {
    await streamRows();
  } catch (err) {
    for (const st of all) {
      try {
        st.release();
      } catch {
        // the first error is the one to report
      }
    }
    throw err;
  }
  // the kernels' memory goes back to the pool (the statistics keep their sums)
  for (const st of all) st.release();
  return { points, widths, stats, samples: N };

  async function streamRows(): Promise<void> {
    for (let start = 0; start < N; start += batch) {
      const end = Math.min(N, start + batch);
      const chunk = sliceRows(inputs, start, end);
      const rows = end - start;
      const ra = await evaluator.run(netA, chunk, { record, batchSize: batch });
      const rb = await evaluator.run(netB, chunk, { record, batchSize: batch });
      for (const [k, p] of record.entries()) {
        const xa = ra.activations[k];
        const xb = rb.activations[k];
        const n = widths[p.layer]!;
        for (const [name, x] of [
          ['A', xa],
          ['B', xb],
        ] as const) {
          if (!x || x.shape[0] !== rows || x.shape[1] !== n) {
            throw new ShapeMismatchError(
              `${where}: ${p.point}@${p.layer} of model ${name} from evaluator ${evaluator.name}`,
              [rows, n],
              x ? x.shape : [],
            );
          }
        }
        await stats[p.point]![p.layer]!.addAsync(xa!.data, xb!.data, rows);
      }
    }
  }
}

/**
 * Activation matching (matching.md §7): for each hidden layer l, record both models'
 * activations at `point` on the same inputs, build the similarity `S` (`[n, n]`, row = unit of A,
 * column = unit of B) and solve the exact assignment π = argmax_π Σ_i S[i, π(i)] (real alignment;
 * dissimilarities are minimized). Each layer is solved independently. Per layer it also reports
 * the matching objective (optimal, identity, random mean ± std, fixed points) of
 * function-class.md §7, the paper's identity-vs-optimal test of neuron identifiability.
 *
 * `alignment: 'reference-anti'` reproduces the reference implementation's aligned-LMC bug:
 * `S = 1 − |ρ|` (1 for constant units) **maximized**, which pairs the least correlated units.
 *
 * @param evaluator - core `Evaluator`; networks are evaluated in eval mode
 * @param netA - model A (the reference order)
 * @param netB - model B (the one to permute)
 * @param inputs - `[N, ...inputShape]`, e.g. the training split
 * @param options - point, similarity, alignment, seed, randomSamples, batchSize, keepSimilarity
 * @returns per-layer permutations and objectives, plus `permutations` for `permuteNetwork(netB, …)`
 * @throws IncompatibleModelsError when the models' hidden widths differ
 * @throws ConstantUnitError for `pearson`/`uncorrelatedness` when a unit is constant
 * @throws InvalidArgumentError for unknown options
 */
export async function activationMatching(
  evaluator: Evaluator,
  netA: Network,
  netB: Network,
  inputs: Tensor,
  options: ActivationMatchingOptions = {},
): Promise<ActivationMatchingResult> {
  const where = 'activationMatching';
  const point = options.point ?? 'post_activation';
  const alignment = options.alignment ?? 'real';
  if (alignment !== 'real' && alignment !== 'reference-anti') {
    throw new InvalidArgumentError(
      `${where}: unknown alignment — expected real or reference-anti, got "${String(alignment)}"`,
    );
  }
  const similarity =
    options.similarity ??
    (alignment === 'reference-anti'
      ? 'uncorrelatedness_one_for_constant'
      : 'pearson_zero_for_constant');
  if (!SIMILARITY_KINDS.includes(similarity)) {
    throw new InvalidArgumentError(
      `${where}: unknown similarity — expected one of ${SIMILARITY_KINDS.join(', ')}, got "${String(similarity)}"`,
    );
  }
  if (alignment === 'reference-anti' && !isDissimilarity(similarity)) {
    throw new InvalidArgumentError(
      `${where}: alignment 'reference-anti' maximizes 1 − |ρ| — expected similarity uncorrelatedness or uncorrelatedness_one_for_constant, got ${similarity}`,
    );
  }
  const maximize = alignment === 'reference-anti' ? true : !isDissimilarity(similarity);
  const seed = options.seed ?? 0;
  const randomSamples = options.randomSamples ?? 100;
  const acc = await accumulateActivationStatistics(evaluator, netA, netB, inputs, {
    points: [point],
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const layers = acc.stats[point]!.map((stats, layer): LayerMatching => {
    const sim = stats.similarity({ similarity, point: `${point}@${layer}` });
    const obj = matchingObjective(sim.matrix, {
      maximize,
      seed,
      randomSamples,
      streamLabels: ['activation-matching', point, layer],
    });
    return {
      layer,
      size: stats.nA,
      permutation: obj.permutation,
      optimal: obj.optimal,
      identity: obj.identity,
      randomMean: obj.randomMean,
      randomStd: obj.randomStd,
      fixedPointFraction: obj.fixedPointFraction,
      constantA: sim.constantA,
      constantB: sim.constantB,
      ...(options.keepSimilarity ? { similarity: sim.matrix } : {}),
    };
  });
  return {
    schemaVersion: 1,
    point,
    similarity,
    alignment,
    maximize,
    samples: acc.samples,
    seed,
    randomSamples,
    evaluator: evaluator.name,
    layers,
    permutations: layers.map((l) => l.permutation),
  };
}
