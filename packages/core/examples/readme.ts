// The example of packages/core/README.md; src/readme.test.ts runs it.
import { forward, tensor, toDense, validateNetwork } from '../src/index.js';
import type { Network } from '../src/index.js';

export function readmeExample(): string[] {
  const lines: string[] = [];
  // A 2-2-1 W-asymmetric MLP: entry (0, 1) of layer 0 is fixed to κ·N = 0.5 · 2 = 1.
  const f32 = (v: number[], shape: number[]) => tensor(Float32Array.from(v), shape);
  const net: Network = validateNetwork({
    family: 'w-asym',
    inputShape: [2],
    layers: [
      {
        type: 'linear',
        index: 0,
        weight: f32([1, 9, -1, 1], [2, 2]),
        bias: f32([0, 0], [2]),
        fixed: {
          kind: 'mask',
          mask: f32([1, 0, 1, 1], [2, 2]),
          normal: f32([0, 2, 0, 0], [2, 2]),
          kappa: 0.5,
        },
      },
      { type: 'act', index: 0, kind: 'relu' },
      { type: 'linear', index: 1, weight: f32([1, 1], [1, 2]), bias: null },
    ],
    meta: { maskSeed: 1 },
  });
  const x = f32([1, 2, 3, 1], [2, 2]);
  const { logits, activations } = forward(net, x, {
    record: [{ layer: 0, point: 'post_activation' }],
  });
  lines.push(`logits ${Array.from(logits.data).join(', ')}`);
  lines.push(`hidden ${Array.from(activations[0]!.data).join(', ')}`);
  lines.push(`dense  ${Array.from(forward(toDense(net), x).logits.data).join(', ')}`);
  return lines;
}
