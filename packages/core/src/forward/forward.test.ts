import { describe, expect, it } from 'vitest';
import { expectClose } from '../testing/index.js';
import { tensor } from '../tensor/tensor.js';
import type { Layer, LinearLayer, Network } from '../network/types.js';
import { forward } from './forward.js';
import { erf } from './math.js';

// Hand computation: the expected logits below were computed once with numpy in float64 from the
// same literal weights (formulas of models.md written out by hand; see the comment per case).
const f32 = (rows: number[][]) =>
  tensor(Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
const v32 = (v: number[]) => tensor(Float32Array.from(v), [v.length]);
const x = f32([
  [1, -2, 0.5],
  [0, 1, 2],
]);
const W0 = [
  [0.5, -0.25, 1],
  [1, 0.75, -0.5],
  [-1, 0.25, 0.5],
  [0.25, 0.5, 0.75],
];
const b0 = [0.125, -0.25, 0, 0.5];
const W1 = [
  [1, -1, 0.5, 0.25],
  [-0.5, 0.25, 1, -0.75],
];
const b1 = [0.25, -0.125];
const gamma = v32([1, 0.5, 2, 1.5]);
const beta = v32([0, 0.25, -0.5, 0.125]);
const D0 = [
  [1, 0, 1],
  [1, 1, 0],
  [0, 1, 1],
  [1, 1, 1],
];
const N0 = [
  [0.5, 2, -1],
  [1, -1, 4],
  [-2, 0.5, 1],
  [1, 1, 1],
];
const D1 = [
  [1, 1, 0, 1],
  [0, 1, 1, 1],
];
const N1 = [
  [1, -0.5, 0.25, 2],
  [-1, 1, 0.5, 0.75],
];

function net(
  family: Network['family'],
  middle: Layer[],
  fixed0?: LinearLayer['fixed'],
  fixed1?: LinearLayer['fixed'],
): Network {
  return {
    family,
    inputShape: [3],
    layers: [
      {
        type: 'linear',
        index: 0,
        weight: f32(W0),
        bias: v32(b0),
        ...(fixed0 ? { fixed: fixed0 } : {}),
      },
      ...middle,
      {
        type: 'linear',
        index: 1,
        weight: f32(W1),
        bias: v32(b1),
        ...(fixed1 ? { fixed: fixed1 } : {}),
      },
    ],
    meta: {},
  };
}

describe('forward: hand-computed tiny networks of every family and norm', () => {
  it('standard MLP, LayerNorm, GELU', () => {
    const n = net('standard', [
      { type: 'norm', index: 0, kind: 'layer', gamma, beta, eps: 1e-5 },
      { type: 'act', index: 0, kind: 'gelu' },
    ]);
    expectClose(
      forward(n, x).logits.data,
      [1.8255344508764817, -1.1101821351931342, 1.1239993553579966, -1.7786163059425208],
    );
  });

  it('standard MLP, BatchNorm (eval, running statistics), ReLU', () => {
    const n = net('standard', [
      {
        type: 'norm',
        index: 0,
        kind: 'batch',
        gamma,
        beta,
        eps: 1e-5,
        runningMean: v32([0.5, -0.25, 0.125, 1]),
        runningVar: v32([1, 0.25, 4, 0.5]),
        numBatchesTracked: 3,
        momentum: 0.1,
      },
      { type: 'act', index: 0, kind: 'relu' },
    ]);
    expectClose(
      forward(n, x).logits.data,
      [1.3749943750421871, -0.6874971875210936, 2.7642245960807754, -2.667708240819343],
    );
  });

  it('W-asymmetric MLP with per-layer κ (0.5, 2), no norm, GELU', () => {
    const n = net(
      'w-asym',
      [{ type: 'act', index: 0, kind: 'gelu' }],
      { kind: 'mask', mask: f32(D0), normal: f32(N0), kappa: 0.5 },
      { kind: 'mask', mask: f32(D1), normal: f32(N1), kappa: 2 },
    );
    expectClose(
      forward(n, x).logits.data,
      [-0.11546695418252129, 0.06269613718568409, 0.05232493609895261, -5.989866508860576],
    );
  });

  it('syre MLP with per-layer κ (0.25, 2), GELU tanh approximation', () => {
    const n = net(
      'syre',
      [{ type: 'act', index: 0, kind: 'gelu_tanh' }],
      { kind: 'noise', noise: f32(N0), kappa: 0.25 },
      { kind: 'noise', noise: f32(N1), kappa: 2 },
    );
    expectClose(
      forward(n, x).logits.data,
      [1.2698117841058034, -1.049035264542466, 19.092401071240882, 3.917180968505111],
    );
  });

  it('σ-asymmetric MLP: LayerNorm then the gate sigmoid(Cz) ⊙ z', () => {
    const C = f32([
      [0.5, -1, 0.25, 0],
      [1, 0.5, -0.5, 0.25],
      [0, 0.75, 1, -1],
      [-0.25, 0, 0.5, 1],
    ]);
    const n = net('sigma-asym', [
      { type: 'norm', index: 0, kind: 'layer', gamma, beta, eps: 1e-5 },
      { type: 'gate', index: 0, C },
    ]);
    expectClose(
      forward(n, x).logits.data,
      [1.227968453481866, -0.7912077192653034, 1.3291122523607737, -1.4805428209820959],
    );
  });

  it('a σ-gate with C = 0 halves its input', () => {
    const n = net('sigma-asym', [
      { type: 'gate', index: 0, C: tensor(new Float32Array(16), [4, 4]) },
    ]);
    const r = forward(n, x, {
      record: [
        { layer: 0, point: 'post_linear' },
        { layer: 0, point: 'post_activation' },
      ],
    });
    expectClose(
      r.activations[1]!.data,
      r.activations[0]!.data.map((v) => v / 2),
    );
  });

  it('records every point; input of layer 1 equals post_activation of layer 0; post_linear of the last layer is the logits', () => {
    const n = net('standard', [
      { type: 'norm', index: 0, kind: 'layer', gamma, beta, eps: 1e-5 },
      { type: 'act', index: 0, kind: 'gelu' },
    ]);
    const r = forward(n, x, {
      record: [
        { layer: 0, point: 'input' },
        { layer: 0, point: 'post_norm' },
        { layer: 0, point: 'post_activation' },
        { layer: 1, point: 'input' },
        { layer: 1, point: 'post_linear' },
      ],
    });
    expectClose(r.activations[0]!.data, Float64Array.from(x.data));
    expect(r.activations[1]!.shape).toEqual([2, 4]);
    expectClose(r.activations[3]!.data, r.activations[2]!.data);
    expectClose(r.activations[4]!.data, r.logits.data);
  });

  it('rejects inputs of the wrong shape and recording points that do not exist', () => {
    const n = net('standard', [{ type: 'act', index: 0, kind: 'relu' }]);
    expect(() => forward(n, f32([[1, 2]]))).toThrow(
      /forward: inputs: shape mismatch — expected \[1, 3\], got \[1, 2\]/,
    );
    expect(() => forward(n, x, { record: [{ layer: 1, point: 'post_activation' }] })).toThrow(
      /hidden layers only/,
    );
    expect(() => forward(n, x, { record: [{ layer: 5, point: 'input' }] })).toThrow(
      /layer 5 does not exist/,
    );
  });

  it('does not mutate its inputs', () => {
    const n = net('standard', [{ type: 'act', index: 0, kind: 'relu' }]);
    const before = x.data.slice();
    forward(n, x);
    expect(Array.from(x.data)).toEqual(Array.from(before));
  });

  it('BatchNorm in train mode normalizes with batch statistics and reports unbiased variances', () => {
    const n = net('standard', [
      {
        type: 'norm',
        index: 0,
        kind: 'batch',
        gamma: v32([1, 1, 1, 1]),
        beta: v32([0, 0, 0, 0]),
        eps: 1e-5,
        runningMean: v32([0, 0, 0, 0]),
        runningVar: v32([1, 1, 1, 1]),
      },
      { type: 'act', index: 0, kind: 'identity' },
    ]);
    const r = forward(n, x, {
      mode: 'train',
      record: [
        { layer: 0, point: 'post_linear' },
        { layer: 0, point: 'post_norm' },
      ],
    });
    const z = r.activations[0]!.data;
    const stats = r.batchStats[0]!;
    for (let j = 0; j < 4; j++) {
      const a = z[j]!;
      const b = z[4 + j]!;
      expectClose([stats.mean[j]!], [(a + b) / 2]);
      expectClose([stats.varUnbiased[j]!], [(a - b) ** 2 / 2]);
      const normalized = (a - (a + b) / 2) / Math.sqrt((a - b) ** 2 / 4 + 1e-5);
      expectClose([r.activations[1]!.data[j]!], [normalized]);
    }
  });
});

describe('erf', () => {
  // Values of Python's math.erf (correctly rounded libm).
  const cases: [number, number][] = [
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
    [3.5, 0.9999992569016276],
    [4, 0.9999999845827421],
    [5, 0.9999999999984626],
    [-0.7, -0.6778011938374184],
    [1e-8, 1.1283791670955126e-8],
    [6, 1],
  ];
  it.each(cases)('erf(%f) matches libm to 1e-15', (v, expected) => {
    expect(Math.abs(erf(v) - expected)).toBeLessThanOrEqual(1e-15);
  });
  it('is odd and NaN-preserving', () => {
    expect(erf(-1.3)).toBe(-erf(1.3));
    expect(erf(NaN)).toBeNaN();
  });
});
