import { describe, expect, it } from 'vitest';
import type { Layer, Network } from '@nidkit/core';
import { tensor } from '@nidkit/core';
import { networksIdentical } from '../../test/helpers.js';
import { ModelBuilder, attr } from '../../test/onnx-builder.js';
import { transpose2 } from './values.js';
import { encodeModel } from '../proto/schema.js';
import { importOnnx } from './import.js';

// Reference: 4 → 3 → 2, one hidden layer; weights exactly representable so that scaling is exact.
const W0 = Float32Array.from([0.5, -0.25, 0.125, 1, -1, 0.75, 0.5, -0.5, 0.25, 0.25, -0.125, 2]);
const B0 = Float32Array.from([0.1, -0.2, 0.3]);
const W1 = Float32Array.from([1, -0.5, 0.25, -1, 0.5, 0.75]);
const B1 = Float32Array.from([0.05, -0.05]);
const G = Float32Array.from([1.1, 0.9, 1.2]);
const BETA = Float32Array.from([0.01, -0.02, 0.03]);
const C = Float32Array.from([0.3, -0.2, 0.1, 0.5, 0.4, -0.6, -0.1, 0.2, 0.7]);
const MEAN = Float32Array.from([0.1, 0.2, -0.1]);
const VAR = Float32Array.from([0.9, 1.1, 1.3]);

type Hidden = 'relu' | 'gelu' | 'gelu_tanh' | 'gate';

function refNet(
  act: Hidden,
  norm: 'layer' | 'batch' | 'none',
  inputShape: number[] = [4],
): Omit<Network, 'meta'> {
  const layers: Layer[] = [];
  if (inputShape.length > 1) layers.push({ type: 'flatten' });
  layers.push({ type: 'linear', index: 0, weight: tensor(W0, [3, 4]), bias: tensor(B0, [3]) });
  if (norm === 'layer')
    layers.push({
      type: 'norm',
      index: 0,
      kind: 'layer',
      gamma: tensor(G, [3]),
      beta: tensor(BETA, [3]),
      eps: 1e-5,
    });
  if (norm === 'batch') {
    layers.push({
      type: 'norm',
      index: 0,
      kind: 'batch',
      gamma: tensor(G, [3]),
      beta: tensor(BETA, [3]),
      eps: 1e-5,
      runningMean: tensor(MEAN, [3]),
      runningVar: tensor(VAR, [3]),
      numBatchesTracked: 0,
      momentum: 0.1,
    });
  }
  layers.push(
    act === 'gate'
      ? { type: 'gate', index: 0, C: tensor(C, [3, 3]) }
      : { type: 'act', index: 0, kind: act },
  );
  layers.push({ type: 'linear', index: 1, weight: tensor(W1, [2, 3]), bias: tensor(B1, [2]) });
  return { family: act === 'gate' ? 'sigma-asym' : 'standard', inputShape, layers };
}

function expectSame(bytes: Uint8Array, ref: Omit<Network, 'meta'>): void {
  const { network } = importOnnx(bytes);
  const { meta: _m, ...rest } = network;
  expect(networksIdentical(rest as Network, ref as Network)).toBeNull();
}

type Step = (b: ModelBuilder, x: string) => string;

const gemm1: Step = (b, x) =>
  b.op('Gemm', [x, b.init('W0', W0, [3, 4]), b.init('B0', B0, [3])], [attr.int('transB', 1)]);
const gemm2: Step = (b, x) =>
  b.op('Gemm', [x, b.init('W1', W1, [2, 3]), b.init('B1', B1, [2])], [attr.int('transB', 1)]);
const relu: Step = (b, x) => b.op('Relu', [x]);

function chain(opset: number, steps: Step[], inputShape: (number | string)[] = [4]): Uint8Array {
  const b = new ModelBuilder(opset, inputShape);
  let x = 'x';
  for (const s of steps) x = s(b, x);
  return b.build(x, 2);
}

describe('import patterns (onnx.md §2) give the same IR as building the network directly', () => {
  it('Gemm transB = 1', () => expectSame(chain(17, [gemm1, relu, gemm2]), refNet('relu', 'none')));

  it('Gemm transB = 0 (in×out weight)', () => {
    const g: Step = (b, x) =>
      b.op('Gemm', [x, b.init('W0t', transpose2(W0, 3, 4), [4, 3]), b.init('B0', B0, [3])]);
    expectSame(chain(17, [g, relu, gemm2]), refNet('relu', 'none'));
  });

  it('Gemm with alpha/beta folded into weight and bias', () => {
    const g: Step = (b, x) =>
      b.op(
        'Gemm',
        [
          x,
          b.init(
            'W0h',
            W0.map((v) => v / 2),
            [3, 4],
          ),
          b.init(
            'B0d',
            B0.map((v) => Math.fround(v * 2)),
            [3],
          ),
        ],
        [attr.int('transB', 1), attr.float('alpha', 2), attr.float('beta', 0.5)],
      );
    expectSame(chain(17, [g, relu, gemm2]), refNet('relu', 'none'));
  });

  it('Gemm transA = 1 on Transpose(x) (any transB, alpha, beta)', () => {
    const gT =
      (transB: 0 | 1): Step =>
      (b, x) =>
        b.op(
          'Gemm',
          [
            b.op('Transpose', [x], [attr.ints('perm', [1, 0])]),
            transB
              ? b.init(
                  'W0h',
                  W0.map((v) => v / 2),
                  [3, 4],
                )
              : b.init(
                  'W0th',
                  transpose2(W0, 3, 4).map((v) => v / 2),
                  [4, 3],
                ),
            b.init(
              'B0d',
              B0.map((v) => Math.fround(v * 2)),
              [3],
            ),
          ],
          [
            attr.int('transA', 1),
            attr.int('transB', transB),
            attr.float('alpha', 2),
            attr.float('beta', 0.5),
          ],
        );
    expectSame(chain(17, [gT(1), relu, gemm2]), refNet('relu', 'none'));
    expectSame(chain(13, [gT(0), relu, gemm2]), refNet('relu', 'none'));
  });

  it('transA = 1 without the Transpose, or a Transpose not undone by a Gemm, is an error', () => {
    const bare: Step = (b, x) =>
      b.op(
        'Gemm',
        [x, b.init('W0', W0, [3, 4]), b.init('B0', B0, [3])],
        [attr.int('transA', 1), attr.int('transB', 1)],
      );
    expect(() => importOnnx(chain(17, [bare, relu, gemm2]))).toThrow(
      /has transA = 1 on the \[N, d\] activations — expected 0, or a Transpose/,
    );
    const tOnly: Step = (b, x) =>
      gemm1(b, b.op('Transpose', [b.op('Transpose', [x], [attr.ints('perm', [1, 0])])]));
    expect(() => importOnnx(chain(17, [tOnly, relu, gemm2]))).toThrow(
      /Transpose.*transposes the activations — supported only as Transpose\(perm = \[1, 0\]\) feeding the A input of a Gemm with transA = 1/,
    );
  });

  it('MatMul + Add, and MatMul of a Transpose', () => {
    const mm: Step = (b, x) =>
      b.op('Add', [
        b.init('B0', B0, [3]),
        b.op('MatMul', [x, b.init('W0t', transpose2(W0, 3, 4), [4, 3])]),
      ]);
    const mmT: Step = (b, x) =>
      b.op('Add', [
        b.op('MatMul', [
          x,
          b.op('Transpose', [b.init('W1', W1, [2, 3])], [attr.ints('perm', [1, 0])]),
        ]),
        b.init('B1', B1, [2]),
      ]);
    expectSame(chain(17, [mm, relu, mmT]), refNet('relu', 'none'));
  });

  it('MatMul without Add is a linear layer without bias', () => {
    const mm: Step = (b, x) => b.op('MatMul', [x, b.init('W1t', transpose2(W1, 2, 3), [3, 2])]);
    const { network } = importOnnx(chain(17, [gemm1, relu, mm]));
    const last = network.layers[network.layers.length - 1]!;
    expect(last.type === 'linear' && last.bias).toBeNull();
  });

  it('Gelu op (opset 20), approximate none and tanh', () => {
    expectSame(chain(20, [gemm1, (b, x) => b.op('Gelu', [x]), gemm2]), refNet('gelu', 'none'));
    expectSame(
      chain(20, [gemm1, (b, x) => b.op('Gelu', [x], [attr.string('approximate', 'tanh')]), gemm2]),
      refNet('gelu_tanh', 'none'),
    );
  });

  it('GELU erf decomposition, Div and Mul(1/√2) forms, last two Muls in either order', () => {
    const erfDiv: Step = (b, x) => {
      const e = b.op('Erf', [b.op('Div', [x, b.scalar(Math.SQRT2)])]);
      const p = b.op('Add', [e, b.scalar(1)]);
      return b.op('Mul', [b.op('Mul', [x, p]), b.scalar(0.5)]);
    };
    const erfMul: Step = (b, x) => {
      const e = b.op('Erf', [b.op('Mul', [b.scalar(Math.SQRT1_2), x])]);
      const p = b.op('Add', [b.scalar(1), e]);
      return b.op('Mul', [p, b.op('Mul', [b.scalar(0.5), x])]);
    };
    expectSame(chain(14, [gemm1, erfDiv, gemm2]), refNet('gelu', 'none'));
    expectSame(chain(14, [gemm1, erfMul, gemm2]), refNet('gelu', 'none'));
  });

  it('GELU tanh decomposition with Pow(x, 3) and with Mul(x, Mul(x, x))', () => {
    const mk =
      (cube: (b: ModelBuilder, x: string) => string): Step =>
      (b, x) => {
        const inner = b.op('Add', [x, b.op('Mul', [cube(b, x), b.scalar(0.044715)])]);
        const t = b.op('Tanh', [b.op('Mul', [inner, b.scalar(Math.sqrt(2 / Math.PI))])]);
        return b.op('Mul', [b.op('Mul', [x, b.scalar(0.5)]), b.op('Add', [t, b.scalar(1)])]);
      };
    expectSame(
      chain(14, [gemm1, mk((b, x) => b.op('Pow', [x, b.scalar(3)])), gemm2]),
      refNet('gelu_tanh', 'none'),
    );
    expectSame(
      chain(14, [gemm1, mk((b, x) => b.op('Mul', [x, b.op('Mul', [x, x])])), gemm2]),
      refNet('gelu_tanh', 'none'),
    );
  });

  it('LayerNormalization op (opset 17)', () => {
    const ln: Step = (b, x) =>
      b.op(
        'LayerNormalization',
        [x, b.init('g', G, [3]), b.init('b', BETA, [3])],
        [attr.int('axis', -1), attr.float('epsilon', 1e-5)],
      );
    expectSame(chain(17, [gemm1, ln, relu, gemm2]), refNet('relu', 'layer'));
  });

  for (const opset of [14, 18]) {
    it(`LayerNorm decomposition, opset ${opset} (axes as ${opset < 18 ? 'attribute' : 'input'})`, () => {
      const ln: Step = (b, x) => {
        const rm = (t: string): string =>
          opset < 18
            ? b.op('ReduceMean', [t], [attr.ints('axes', [-1]), attr.int('keepdims', 1)])
            : b.op('ReduceMean', [t, b.ints(`axes${t}`, [-1])], [attr.int('keepdims', 1)]);
        const d = b.op('Sub', [x, rm(x)]);
        const v = rm(b.op('Pow', [d, b.scalar(2)]));
        const s = b.op('Sqrt', [b.op('Add', [v, b.scalar(1e-5)])]);
        return b.op('Add', [
          b.op('Mul', [b.op('Div', [d, s]), b.init('g', G, [3])]),
          b.init('b', BETA, [3]),
        ]);
      };
      expectSame(chain(opset, [gemm1, ln, relu, gemm2]), refNet('relu', 'layer'));
    });
  }

  it('BatchNormalization, plain and wrapped in Unsqueeze → BatchNormalization → Squeeze', () => {
    const bnInputs = (b: ModelBuilder): string[] => [
      b.init('s', G, [3]),
      b.init('bb', BETA, [3]),
      b.init('m', MEAN, [3]),
      b.init('v', VAR, [3]),
    ];
    const bn: Step = (b, x) =>
      b.op(
        'BatchNormalization',
        [x, ...bnInputs(b)],
        [attr.float('epsilon', 1e-5), attr.float('momentum', 0.9)],
      );
    const wrapped: Step = (b, x) => {
      const u = b.op('Unsqueeze', [x, b.ints('ax', [2])]);
      const n = b.op('BatchNormalization', [u, ...bnInputs(b)], [attr.float('epsilon', 1e-5)]);
      return b.op('Squeeze', [n, b.ints('ax2', [2])]);
    };
    expectSame(chain(15, [gemm1, bn, relu, gemm2]), refNet('relu', 'batch'));
    expectSame(chain(15, [gemm1, wrapped, relu, gemm2]), refNet('relu', 'batch'));
  });

  it('σ-gate as Mul(z, Sigmoid(Gemm(z, C, transB=1))) and with MatMul(z, Cᵀ)', () => {
    const gGemm: Step = (b, x) =>
      b.op('Mul', [
        x,
        b.op('Sigmoid', [b.op('Gemm', [x, b.init('C', C, [3, 3])], [attr.int('transB', 1)])]),
      ]);
    const gMat: Step = (b, x) =>
      b.op('Mul', [
        b.op('Sigmoid', [b.op('MatMul', [x, b.init('Ct', transpose2(C, 3, 3), [3, 3])])]),
        x,
      ]);
    expectSame(chain(17, [gemm1, gGemm, gemm2]), refNet('gate', 'none'));
    expectSame(chain(17, [gemm1, gMat, gemm2]), refNet('gate', 'none'));
  });

  it('Flatten and a constant Reshape flatten [N, 2, 2]', () => {
    expectSame(
      chain(
        17,
        [(b, x) => b.op('Flatten', [x], [attr.int('axis', 1)]), gemm1, relu, gemm2],
        [2, 2],
      ),
      refNet('relu', 'none', [2, 2]),
    );
    expectSame(
      chain(
        17,
        [(b, x) => b.op('Reshape', [x, b.ints('shape', [-1, 4])]), gemm1, relu, gemm2],
        [2, 2],
      ),
      refNet('relu', 'none', [2, 2]),
    );
  });

  it('Identity, Dropout (inference) and Cast to FLOAT are no-ops; Constant nodes feed weights', () => {
    const noise: Step = (b, x) =>
      b.op('Cast', [b.op('Dropout', [b.op('Identity', [x]), b.scalar(0.5)])], [attr.int('to', 1)]);
    const constBias: Step = (b, x) => {
      const bias = b.op(
        'Constant',
        [],
        [{ name: 'value_floats', type: 6, floats: Array.from(B1) }],
      );
      return b.op('Gemm', [x, b.init('W1', W1, [2, 3]), bias], [attr.int('transB', 1)]);
    };
    expectSame(chain(17, [noise, gemm1, noise, relu, noise, constBias]), refNet('relu', 'none'));
  });

  it('opset 11 forms: Unsqueeze/Squeeze axes and Dropout ratio as attributes; initializers also listed as graph inputs', () => {
    const b = new ModelBuilder(11, [4]);
    let x = b.op(
      'Gemm',
      ['x', b.init('W0', W0, [3, 4]), b.init('B0', B0, [3])],
      [attr.int('transB', 1)],
    );
    const u = b.op('Unsqueeze', [x], [attr.ints('axes', [2])]);
    const n = b.op(
      'BatchNormalization',
      [
        u,
        b.init('s', G, [3]),
        b.init('bb', BETA, [3]),
        b.init('m', MEAN, [3]),
        b.init('v', VAR, [3]),
      ],
      [attr.float('epsilon', 1e-5)],
    );
    x = b.op('Squeeze', [n], [attr.ints('axes', [2])]);
    x = b.op('Dropout', [b.op('Relu', [x])], [attr.float('ratio', 0.3)]);
    x = b.op('Gemm', [x, b.init('W1', W1, [2, 3]), b.init('B1', B1, [2])], [attr.int('transB', 1)]);
    const msg = b.message(x, 2);
    msg.graph!.input!.push(
      ...msg.graph!.initializer!.map((t) => ({
        name: t.name!,
        type: {
          tensorType: {
            elemType: 1,
            shape: { dim: (t.dims as number[]).map((d) => ({ dimValue: d })) },
          },
        },
      })),
    );
    expectSame(encodeModel(msg), refNet('relu', 'batch'));
  });
});
