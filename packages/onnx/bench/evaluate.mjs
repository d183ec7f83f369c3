// Benchmark: onnxruntime evaluator vs PyTorch on a 784-512-512-512-10 LayerNorm+GELU MLP, 10,000 samples.
// Run: pnpm --filter @nidkit/onnx build && pnpm --filter @nidkit/onnx bench
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
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

// PyTorch at every thread count from 1 to the machine's cores (its default is printed too): the
// peer is PyTorch at its best thread count, so nidkit is never compared with a handicapped peer.
const py = `
import os, time, torch, torch.nn as nn, torch.nn.functional as F
default_threads = torch.get_num_threads()
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
res = []
for th in range(1, (os.cpu_count() or 1) + 1):
    torch.set_num_threads(th)
    res.append([th, t(False), t(True)])
print(default_threads, torch.__version__, *[v for r in res for v in r])
`;

function pytorch() {
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [threads, version, ...rest] = r.stdout.trim().split(/\s+/);
  const byThreads = [];
  for (let i = 0; i + 2 < rest.length; i += 3)
    byThreads.push({
      threads: Number(rest[i]),
      tEval: Number(rest[i + 1]),
      tRec: Number(rest[i + 2]),
    });
  return { defaultThreads: Number(threads), version, byThreads };
}

/** nidkit at a given onnxruntime thread count (undefined: onnxruntime's default). */
async function nidkit(threads) {
  const ev = await createOnnxEvaluator({
    batchSize: BATCH,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
  const evalMs = await time(() => ev.run(net, x));
  const recMs = await time(() => ev.run(net, x, { record }));
  await ev.dispose();
  return { evalMs, recMs };
}

const first = pytorch();
const net = makeNet();
const x = tensor(Rng.stream(2, 'bench-x').fillNormal(new Float32Array(N * 784)), [N, 784]);
const record = [0, 1, 2].flatMap((layer) => [
  { layer, point: 'post_linear' },
  { layer, point: 'post_activation' },
]);
const cores = availableParallelism();
const mine = [{ label: 'default', threads: undefined }];
for (let t = 1; t <= cores; t++) mine.push({ label: String(t), threads: t });
for (const m of mine) Object.assign(m, await nidkit(m.threads));
const ev = await createOnnxEvaluator({ batchSize: BATCH });
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
  const s = await ort.InferenceSession.create(exportOnnx(p));
  await s.run({ input: new ort.Tensor('float32', small.data, [1000, 784]) });
  await s.release();
}
const freshMs = performance.now() - t0;
await ev.dispose();

console.log(
  `37-network path, 1,000 samples each: one cached session ${cachedMs.toFixed(0)} ms, fresh session per network ${freshMs.toFixed(0)} ms`,
);
for (const m of mine)
  console.log(
    `nidkit onnxruntime (${m.label} threads, batch ${BATCH}): evaluate ${m.evalMs.toFixed(1)} ms, record 6 points ${m.recMs.toFixed(1)} ms`,
  );
console.log(`max |Δlogits| onnxruntime vs reference: ${maxDiff.toExponential(2)}`);

const second = pytorch();
if (!first || !second) {
  console.log('PyTorch peer unavailable (/usr/bin/python3 without torch): no ratio');
} else {
  // per thread count, the faster of the two PyTorch runs (measured before and after nidkit)
  const torch = first.byThreads.map((r, i) => ({
    threads: r.threads,
    tEval: Math.min(r.tEval, second.byThreads[i].tEval),
    tRec: Math.min(r.tRec, second.byThreads[i].tRec),
  }));
  for (const r of torch)
    console.log(
      `PyTorch ${first.version} (${r.threads} threads${r.threads === first.defaultThreads ? ', its default' : ''}, batch ${BATCH}): evaluate ${r.tEval.toFixed(1)} ms, record 6 points ${r.tRec.toFixed(1)} ms`,
    );
  const best = (key, rows) => Math.min(...rows.map((r) => r[key]));
  const ours = mine.filter((m) => m.threads !== undefined);
  console.log(
    `ratio nidkit/PyTorch, each at its best thread count: evaluate ${(best('evalMs', ours) / best('tEval', torch)).toFixed(2)}×, record ${(best('recMs', ours) / best('tRec', torch)).toFixed(2)}×  (target ≤ 1.0×)`,
  );
  const one = torch.find((r) => r.threads === 1);
  const ourOne = mine.find((m) => m.threads === 1);
  console.log(
    `ratio nidkit/PyTorch, both on 1 thread: evaluate ${(ourOne.evalMs / one.tEval).toFixed(2)}×, record ${(ourOne.recMs / one.tRec).toFixed(2)}×  (minimum of ${REPEATS} runs each)`,
  );
}
