// Benchmark: a 37-point LMC curve of two 784-512-512-512-10 LayerNorm+GELU MLPs on 10,000
// samples, nidkit (lmcCurve through an Evaluator) vs PyTorch (bench/lmc_torch.py) in the same run.
// Usage: node bench/lmc.mjs [--evaluator auto|onnx|reference] [--points 37] [--samples 10000]
//                           [--threads n] [--opset 20]
// Both sides are timed at every thread count from 1 to the machine's cores (or only at
// --threads n); the headline ratio compares each at its best thread count, and the ratio on one
// thread each is printed too.
// The onnxruntime evaluator of @nidkit/onnx is used when that package is built (auto); it is
// imported dynamically and is not a dependency of @nidkit/merging.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReferenceEvaluator, Rng, namedTensors, tensor } from '@nidkit/core';
import { lmcCurve } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const which = opt('evaluator', 'auto');
const points = Number(opt('points', '37'));
const samples = Number(opt('samples', '10000'));
const fixedThreads = opt('threads', null);
const threadCounts = fixedThreads
  ? [Number(fixedThreads)]
  : Array.from({ length: availableParallelism() }, (_, i) => i + 1);
const opset = Number(opt('opset', '20'));
const widths = [784, 512, 512, 512, 10];
const batchSize = 4096;

function mlp(seed) {
  const rng = Rng.stream(seed, 'bench-weights');
  const layers = [];
  for (let l = 0; l < widths.length - 1; l++) {
    const [inp, out] = [widths[l], widths[l + 1]];
    const k = 1 / Math.sqrt(inp);
    layers.push({
      type: 'linear',
      index: l,
      weight: tensor(rng.fillUniform(new Float32Array(out * inp), -k, k), [out, inp]),
      bias: tensor(rng.fillUniform(new Float32Array(out), -k, k), [out]),
    });
    if (l < widths.length - 2) {
      layers.push({
        type: 'norm',
        index: l,
        kind: 'layer',
        gamma: tensor(rng.fillUniform(new Float32Array(out), 0.8, 1.2), [out]),
        beta: tensor(rng.fillNormal(new Float32Array(out), 0, 0.05), [out]),
        eps: 1e-5,
      });
      layers.push({ type: 'act', index: l, kind: 'gelu' });
    }
  }
  return { family: 'standard', inputShape: [784], layers, meta: { initSeed: seed } };
}

async function evaluator(threads) {
  if (which === 'reference') return new ReferenceEvaluator();
  try {
    const onnx = await import(new URL('../../onnx/dist/index.js', import.meta.url).href);
    return await onnx.createOnnxEvaluator({ intraOpNumThreads: threads, opset });
  } catch (e) {
    if (which === 'onnx') throw e;
    console.error(
      `@nidkit/onnx is not built (${e.message.split('\n')[0]}); using the reference evaluator`,
    );
    return new ReferenceEvaluator();
  }
}

const a = mlp(1);
const b = mlp(2);
const rng = Rng.stream(3, 'bench-data');
const x = tensor(rng.fillUniform(new Float32Array(samples * 784), 0, 1), [samples, 784]);
const y = new Int32Array(samples).map(() => rng.int(10));
const dataset = {
  name: 'bench',
  task: 'classification',
  inputShape: [784],
  numOutputs: 10,
  splits: { test: { inputs: x, labels: y } },
};

// --- PyTorch peer -------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'nidkit-merging-bench-'));
const peers = [];
try {
  const tensors = namedTensors(a).map((t) => ({ name: t.name, shape: t.tensor.shape }));
  const lambdas = Array.from({ length: points }, (_, t) => t / (points - 1));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ tensors, lambdas, samples, layers: widths.length - 1, batchSize }),
  );
  for (const [name, net] of [
    ['a', a],
    ['b', b],
  ]) {
    const parts = namedTensors(net).map((t) =>
      Buffer.from(t.tensor.data.buffer, t.tensor.data.byteOffset, t.tensor.data.byteLength),
    );
    writeFileSync(join(dir, `${name}.bin`), Buffer.concat(parts));
  }
  writeFileSync(join(dir, 'x.bin'), Buffer.from(x.data.buffer));
  writeFileSync(join(dir, 'y.bin'), Buffer.from(y.buffer));
  const script = fileURLToPath(new URL('./lmc_torch.py', import.meta.url));
  try {
    for (const threads of threadCounts)
      peers.push(
        JSON.parse(
          execFileSync('/usr/bin/python3', [script, dir, String(threads)], {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          })
            .trim()
            .split('\n')
            .pop(),
        ),
      );
  } catch (e) {
    console.error(`PyTorch peer unavailable: ${e.message.split('\n')[0]}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// --- nidkit -------------------------------------------------------------------------------------
const runs = [];
for (const threads of which === 'reference' ? [1] : threadCounts) {
  const ev = await evaluator(threads);
  const t0 = performance.now();
  const curve = await lmcCurve(ev, a, b, dataset, { points, batchSize });
  runs.push({ threads, seconds: (performance.now() - t0) / 1000, curve });
  await ev.dispose();
}

const curve = runs[0].curve;
const test = curve.splits.test;
console.log(
  `LMC curve: ${points} points, MLP ${widths.join('-')} (LayerNorm + GELU), ${samples} samples`,
);
for (const r of runs)
  console.log(
    `nidkit  (${r.curve.evaluator}${r.curve.evaluator === 'reference' ? '' : `, ${r.threads} thread${r.threads === 1 ? '' : 's'}, opset ${opset}`}): ${r.seconds.toFixed(2)} s  (${((1000 * r.seconds) / points).toFixed(0)} ms per λ)`,
  );
for (const p of peers)
  console.log(
    `PyTorch ${p.torch} (${p.threads} thread${p.threads === 1 ? '' : 's'}): ${p.seconds.toFixed(2)} s`,
  );
if (peers.length > 0) {
  const best = (xs) => Math.min(...xs.map((x) => x.seconds));
  console.log(
    `ratio nidkit / PyTorch, each at its best thread count: ${(best(runs) / best(peers)).toFixed(2)}×  (target ≤ 1.0×)`,
  );
  const one = runs.find((r) => r.threads === 1);
  const peerOne = peers.find((p) => p.threads === 1);
  if (one && peerOne)
    console.log(
      `ratio nidkit / PyTorch, both on 1 thread: ${(one.seconds / peerOne.seconds).toFixed(2)}×`,
    );
  const peer = peers[0];
  const dl = Math.max(...test.loss.map((v, i) => Math.abs(v - peer.loss[i])));
  const da = Math.max(...test.accuracy.map((v, i) => Math.abs(v - peer.accuracy[i])));
  console.log(`agreement: max |Δloss| ${dl.toExponential(2)}, max |Δaccuracy| ${da.toFixed(3)} pp`);
}
console.log(
  `barriers (test): lossBarrier ${test.barriers.lossBarrier.toFixed(4)}, accuracyBarrierPp ${test.barriers.accuracyBarrierPp.toFixed(2)}`,
);
