import { fileURLToPath } from 'node:url';
import { ReferenceEvaluator, Rng, tensor } from '@nidkit/core';
import { createOnnxEvaluator, exportOnnx, importOnnx, loadOnnxModel } from '@nidkit/onnx';

// A W-asymmetric MLP exported from PyTorch without constant folding (W·D + (1−D)·κN in the graph).
const file = fileURLToPath(
  new URL('../test/fixtures/pytorch/w-asym-layer-gelu-op17-unfolded-view.onnx', import.meta.url),
);
const { network, summary } = await loadOnnxModel(file);
console.log(
  summary.family,
  summary.widths.join('-'),
  summary.layers.map((l) => `κ=${l.kappa}`).join(' '),
);
// w-asym 12-8-8-4 κ=1 κ=1 κ=0.5

const x = tensor(Rng.stream(1, 'demo').fillNormal(new Float32Array(256 * 12)), [256, 3, 4]);
const evaluator = await createOnnxEvaluator(); // loads onnxruntime-node lazily
const fast = await evaluator.run(network, x, { record: [{ layer: 1, point: 'post_activation' }] });
const exact = await new ReferenceEvaluator().run(network, x);
const maxDiff = Math.max(...fast.logits.data.map((v, i) => Math.abs(v - exact.logits.data[i]!)));
console.log(fast.activations[0]!.shape, maxDiff < 1e-5);
// [ 256, 8 ] true

const bytes = exportOnnx(network); // fixed parts kept: Where(D, W, κN) + nidkit metadata
console.log(Buffer.from(exportOnnx(importOnnx(bytes).network)).equals(Buffer.from(bytes)));
// true
await evaluator.dispose();
