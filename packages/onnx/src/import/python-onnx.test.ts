import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { ReferenceEvaluator, tensor } from '@nidkit/core';
import { makeInputs } from '../../test/helpers.js';
import { importOnnx } from './import.js';

const hasPythonOnnx =
  spawnSync('/usr/bin/python3', ['-c', 'import onnx, numpy'], { stdio: 'ignore' }).status === 0;

// Graphs written by Debian's python3-onnx (make_node/make_graph): LayerNorm decomposition with
// ReduceMean axes as an input (opset 18), tanh-GELU decomposition, MatMul + Add, σ-gate via MatMul.
const SCRIPT = `
import sys, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
rng = np.random.default_rng(0)
def init(name, a): return nh.from_array(np.asarray(a, dtype=np.float32), name)
W0 = rng.normal(size=(6, 5)).astype(np.float32); b0 = rng.normal(size=5).astype(np.float32)
W1 = rng.normal(size=(5, 3)).astype(np.float32); b1 = rng.normal(size=3).astype(np.float32)
C = rng.normal(size=(5, 5)).astype(np.float32)
g = (1 + 0.1 * rng.normal(size=5)).astype(np.float32); be = (0.1 * rng.normal(size=5)).astype(np.float32)
inits = [init('W0', W0), init('b0', b0), init('W1', W1), init('b1', b1), init('Ct', C.T), init('g', g), init('be', be),
         init('two', 2.0), init('eps', 1e-5), nh.from_array(np.array([-1], dtype=np.int64), 'axes')]
n = [h.make_node('MatMul', ['x', 'W0'], ['m0']), h.make_node('Add', ['m0', 'b0'], ['z0']),
     h.make_node('ReduceMean', ['z0', 'axes'], ['mu'], keepdims=1), h.make_node('Sub', ['z0', 'mu'], ['d']),
     h.make_node('Pow', ['d', 'two'], ['sq']), h.make_node('ReduceMean', ['sq', 'axes'], ['var'], keepdims=1),
     h.make_node('Add', ['var', 'eps'], ['ve']), h.make_node('Sqrt', ['ve'], ['sd']), h.make_node('Div', ['d', 'sd'], ['nrm']),
     h.make_node('Mul', ['nrm', 'g'], ['sc']), h.make_node('Add', ['sc', 'be'], ['ln']),
     h.make_node('MatMul', ['ln', 'Ct'], ['gp']), h.make_node('Sigmoid', ['gp'], ['sg']), h.make_node('Mul', ['ln', 'sg'], ['gate']),
     h.make_node('MatMul', ['gate', 'W1'], ['m1']), h.make_node('Add', ['m1', 'b1'], ['y'])]
graph = h.make_graph(n, 'py', [h.make_tensor_value_info('x', T.FLOAT, ['N', 6])], [h.make_tensor_value_info('y', T.FLOAT, ['N', 3])], inits)
m = h.make_model(graph, opset_imports=[h.make_opsetid('', 18)], producer_name='python3-onnx')
m.ir_version = 8
# (python3-onnx 1.12 knows opsets ≤ 17, so the opset-18 model is not run through its checker)
onnx.save(m, sys.argv[1])
`;

describe.skipIf(!hasPythonOnnx)(
  'live cross-check with Debian python3-onnx (make_node/make_graph)',
  () => {
    it('imports a python-written LayerNorm(opset 18) + σ-gate + MatMul/Add graph with onnxruntime-equal outputs', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'nidkit-py-')), 'py.onnx');
      execFileSync('/usr/bin/python3', ['-c', SCRIPT, file]);
      const bytes = new Uint8Array(readFileSync(file));
      const { network, summary } = importOnnx(bytes);
      expect(network.family).toBe('sigma-asym');
      expect(summary.norms).toEqual(['layer']);
      expect(summary.onnx?.producer).toBe('python3-onnx');
      const x = makeInputs(9, [6]);
      const session = await ort.InferenceSession.create(bytes);
      const y = (await session.run({ x: new ort.Tensor('float32', x.data, [9, 6]) }))['y']!
        .data as Float32Array;
      await session.release();
      const ref = (await new ReferenceEvaluator().run(network, tensor(x.data, [9, 6]))).logits.data;
      for (let i = 0; i < y.length; i++)
        expect(Math.abs(ref[i]! - y[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(y[i]!)));
    });
  },
);
