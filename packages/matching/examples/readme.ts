import { ReferenceEvaluator, Rng, tensor } from '@nidkit/core';
import type { Network } from '@nidkit/core';
import { activationMatching, linearSumAssignment, permuteNetwork } from '@nidkit/matching';

// 1. Exact assignment, the same optimum as scipy.optimize.linear_sum_assignment
const lap = linearSumAssignment([
  [4, 1, 3],
  [2, 0, 5],
  [3, 2, 2],
]);
console.log([...lap.colInd], lap.total); // [ 1, 0, 2 ] 5

// 2. A 3-8-2 MLP and a copy whose hidden units are shuffled by σ (same function)
const rng = Rng.stream(0, 'readme');
const w = (r: number, c: number) => tensor(rng.fillNormal(new Float32Array(r * c)), [r, c]);
const netA: Network = {
  family: 'standard',
  inputShape: [3],
  meta: {},
  layers: [
    { type: 'linear', index: 0, weight: w(8, 3), bias: null },
    { type: 'act', index: 0, kind: 'gelu' },
    { type: 'linear', index: 1, weight: w(2, 8), bias: null },
  ],
};
const netB = permuteNetwork(netA, [Int32Array.from([3, 7, 0, 5, 1, 6, 2, 4])], { verify: true });

// 3. Activation matching recovers σ⁻¹ from the activations alone
const inputs = tensor(rng.fillNormal(new Float32Array(500 * 3)), [500, 3]);
const res = await activationMatching(new ReferenceEvaluator(), netA, netB, inputs);
console.log(res.permutations[0]!.join(' ')); // 2 4 6 0 7 3 5 1
console.log(res.layers[0]!.optimal.toFixed(3), res.layers[0]!.identity.toFixed(3)); // 1.000 0.162
