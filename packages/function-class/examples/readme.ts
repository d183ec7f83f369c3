// The README example, run by src/readme-example.test.ts (which checks the printed lines against
// the README). It imports the sources; the README imports the published package.
import { Rng, tensor } from '@nidkit/core';
import {
  coherence,
  estimateSubspace,
  givensCoherenceRotation,
  realizationCosts,
  swapCostSummary,
} from '../src/index.js';

export function main(log: (line: string) => void = console.log): void {
  // 400 inputs in R^8 that live (up to noise) in a 2-dim subspace
  const rng = Rng.stream(0, 'readme');
  const X = new Float64Array(400 * 8);
  for (let i = 0; i < 400; i++) {
    const z = [3 * rng.normal(), 2 * rng.normal()];
    for (let c = 0; c < 8; c++) X[i * 8 + c] = z[c % 2]! + 0.05 * rng.normal();
  }
  const sub = estimateSubspace(tensor(X, [400, 8]), { tau: 0.9 });
  log(`k = ${sub.k}, coherence = ${coherence(sub.U).toFixed(3)}`);

  // four neurons: dense (D = 1, F = 0), then syre-like with fixed offsets F (W_eff = W + F)
  const W = new Float64Array(4 * 8).map(() => rng.normal());
  const F = new Float64Array(4 * 8).map(() => rng.normal());
  const dense = realizationCosts(sub.U, { weight: tensor(W, [4, 8]), mask: null, fixed: null });
  const syre = realizationCosts(sub.U, {
    weight: tensor(
      W.map((w, i) => w + F[i]!),
      [4, 8],
    ),
    mask: null,
    fixed: tensor(F, [4, 8]),
  });
  log(`dense: max |T| = ${Math.max(...dense.T.data.map(Math.abs)).toExponential(0)}`);
  const s = swapCostSummary(syre.T);
  log(
    `syre: negative swaps ${s.negativeFraction.toFixed(2)}, median sign·sqrt|T| ${s.signedSqrtQuantiles[3]!.value.toFixed(2)}`,
  );

  // an orthogonal V whose first 10 of 100 columns have coherence 0.11
  const rot = givensCoherenceRotation(100, 10, 0.11);
  log(`Givens: ${rot.steps} steps, coherence ${rot.coherence.toFixed(4)}`);
}

if (process.argv[1]?.endsWith('readme.ts')) main();
