// Benchmark: onnxruntime evaluator vs PyTorch on a 784-512-512-512-10 LayerNorm+GELU MLP, 10,000 samples.
// Run: pnpm --filter @nidkit/onnx build && pnpm --filter @nidkit/onnx bench
import { spawnSync } from 'node:child_process';
import { Rng, tensor, ReferenceEvaluator } from '@nidkit/core';
import * as ort from 'onnxruntime-node';
import { createOnnxEvaluator, exportOnnx } from '../dist/index.js';

const WIDTHS = [784, 512, 512, 512, 10];
const N = 10_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 2500);
const REPEATS = 7;

function makeNet() {
  const rng = Rng.stream(1, 'bench');
  const layers = [];
  for (let l = 0; l < WIDTHS.length - 1; l++) {
    const fin = WIDTHS[l];
    const fout = WIDTHS[l + 1];
    layers.push({
      type: 'linear',
      index: l,
      weight: tensor(rng.fillNormal(new Float32Array(fout * fin), 0, 1 / Math.sqrt(fin)), [
        fout,
        fin,
      ]),
      bias: tensor(rng.fillNormal(new Float32Array(fout), 0, 0.1), [fout]),
    });
    if (l < WIDTHS.length - 2) {
      layers.push({
        type: 'norm',
        index: l,
        kind: 'layer',
        gamma: tensor(new Float32Array(fout).fill(1), [fout]),
        beta: tensor(new Float32Array(fout), [fout]),
        eps: 1e-5,
      });
      layers.push({ type: 'act', index: l, kind: 'gelu' });
    }
  }
  return { family: 'standard', inputShape: [784], layers, meta: {} };
}

async function time(fn) {
  await fn(); // warm-up (session creation, allocation)
  const ts = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  // The minimum is the most robust statistic on a shared machine (noise only adds time).
  return Math.min(...ts);
}

const py = `
import time, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
W = [784, 512, 512, 512, 10]
lins = nn.ModuleList([nn.Linear(W[i], W[i+1]) for i in range(4)])
norms = nn.ModuleList([nn.LayerNorm(W[i+1]) for i in range(3)])
x = torch.randn(${N}, 784)
def run(record):
    outs = []
    with torch.no_grad():
        for s in range(0, ${N}, ${BATCH}):
            h = x[s:s+${BATCH}]
            keep = []
            for l in range(4):
                h = lins[l](h)
                if l < 3:
                    if record: keep.append(h.clone())
                    h = F.gelu(norms[l](h))
                    if record: keep.append(h)
            outs.append((h, keep))
    return outs
def t(record):
    run(record)
    ts = []
    for _ in range(${REPEATS}):
        t0 = time.perf_counter(); run(record); ts.append((time.perf_counter() - t0) * 1000)
    return min(ts)
print(t(False), t(True), torch.get_num_threads(), torch.__version__)
`;

function pytorch() {
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [tEval, tRec, threads, version] = r.stdout.trim().split(/\s+/);
  return { tEval: Number(tEval), tRec: Number(tRec), threads: Number(threads), version };
}

const first = pytorch();
const threads = Number(process.env.BENCH_THREADS ?? first?.threads ?? 0) || undefined;
const net = makeNet();
const x = tensor(Rng.stream(2, 'bench-x').fillNormal(new Float32Array(N * 784)), [N, 784]);
const record = [0, 1, 2].flatMap((layer) => [
  { layer, point: 'post_linear' },
  { layer, point: 'post_activation' },
]);
const ev = await createOnnxEvaluator({
  batchSize: BATCH,
  ...(threads ? { intraOpNumThreads: threads } : {}),
});
const evalMs = await time(() => ev.run(net, x));
const recMs = await time(() => ev.run(net, x, { record }));
// Sanity: agreement with the exact reference on a slice.
const slice = tensor(x.data.subarray(0, 256 * 784), [256, 784]);
const a = await ev.run(net, slice);
const b = await new ReferenceEvaluator().run(net, slice);
let maxDiff = 0;
for (let i = 0; i < a.logits.data.length; i++)
  maxDiff = Math.max(maxDiff, Math.abs(a.logits.data[i] - b.logits.data[i]));

// An interpolation path: 37 networks of one architecture on 1,000 samples — one cached session
// (weights fed as graph inputs) versus a fresh session per network (weights as initializers).
const small = tensor(x.data.subarray(0, 1000 * 784), [1000, 784]);
const scaled = (lam) => ({
  ...net,
  layers: net.layers.map((l) =>
    l.type === 'linear'
      ? {
          ...l,
          weight: tensor(
            l.weight.data.map((v) => v * (1 - lam / 2)),
            l.weight.shape,
          ),
        }
      : l,
  ),
});
const path = Array.from({ length: 37 }, (_, i) => scaled(i / 36));
let t0 = performance.now();
for (const p of path) await ev.run(p, small);
const cachedMs = performance.now() - t0;
t0 = performance.now();
for (const p of path) {
  const s = await ort.InferenceSession.create(
    exportOnnx(p),
    threads ? { intraOpNumThreads: threads } : {},
  );
  await s.run({ input: new ort.Tensor('float32', small.data, [1000, 784]) });
  await s.release();
}
const freshMs = performance.now() - t0;
await ev.dispose();

console.log(
  `37-network path, 1,000 samples each: one cached session ${cachedMs.toFixed(0)} ms, fresh session per network ${freshMs.toFixed(0)} ms`,
);
console.log(
  `nidkit onnxruntime (${threads ?? 'default'} threads, batch ${BATCH}): evaluate ${evalMs.toFixed(1)} ms, record 6 points ${recMs.toFixed(1)} ms  (max |Δ| vs reference ${maxDiff.toExponential(2)})`,
);

const second = pytorch();
if (!first || !second) {
  console.log('PyTorch peer unavailable (/usr/bin/python3 without torch): no ratio');
} else {
  const tEval = Math.min(first.tEval, second.tEval);
  const tRec = Math.min(first.tRec, second.tRec);
  console.log(
    `PyTorch ${first.version} (${first.threads} threads, batch ${BATCH}): evaluate ${tEval.toFixed(1)} ms, record 6 points ${tRec.toFixed(1)} ms`,
  );
  console.log(
    `ratio nidkit/PyTorch: evaluate ${(evalMs / tEval).toFixed(2)}×, record ${(recMs / tRec).toFixed(2)}×  (target ≤ 1.0×; minimum of ${REPEATS} runs each, PyTorch measured before and after)`,
  );
}
