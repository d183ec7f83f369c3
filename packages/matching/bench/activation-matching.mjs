// Activation matching of two 784-512-512-512-10 MLPs on 10,000 samples (post_activation,
// pearson_zero_for_constant, 100 random permutations per layer). Recording is excluded: the
// activations are recorded once with core's reference evaluator and replayed, and numpy+scipy do
// the same statistics + assignment on the identical activations in the same run. nidkit is timed
// twice: with the statistics on core's WebAssembly kernel (what any evaluator gets), and with
// onnxruntime's `crossChunk` (what @nidkit/onnx's evaluator adds).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceEvaluator, Rng, sliceRows, tensor } from '@nidkit/core';
import { createOnnxEvaluator } from '@nidkit/onnx';
import { activationMatching } from '../dist/index.js';
import { startPeer } from '@nidkit/bench-tools/python-peer';

const N = Number(process.argv[2] ?? 10000);
const WIDTHS = [784, 512, 512, 512, 10];

function mlp(seed) {
  const rng = Rng.stream(seed, 'bench-mlp');
  const layers = [];
  for (let l = 0; l < WIDTHS.length - 1; l++) {
    const i = WIDTHS[l];
    const o = WIDTHS[l + 1];
    layers.push({
      type: 'linear',
      index: l,
      weight: tensor(rng.fillNormal(new Float32Array(o * i), 0, 1 / Math.sqrt(i)), [o, i]),
      bias: tensor(rng.fillNormal(new Float32Array(o), 0, 0.1), [o]),
    });
    if (l < WIDTHS.length - 2) {
      layers.push({
        type: 'norm',
        index: l,
        kind: 'layer',
        gamma: tensor(new Float32Array(o).fill(1), [o]),
        beta: tensor(new Float32Array(o), [o]),
        eps: 1e-5,
      });
      layers.push({ type: 'act', index: l, kind: 'gelu' });
    }
  }
  return { family: 'standard', inputShape: [784], layers, meta: {} };
}

const netA = mlp(1);
const netB = mlp(2);
const inputs = tensor(Rng.stream(3, 'bench-inputs').fillUniform(new Float32Array(N * 784), 0, 1), [
  N,
  784,
]);
const record = [0, 1, 2].map((layer) => ({ layer, point: 'post_activation' }));

console.log(`recording ${N} samples through both networks (excluded from timing)…`);
const ref = new ReferenceEvaluator();
const recorded = new Map();
for (const net of [netA, netB]) {
  const r = await ref.run(net, inputs, { record, batchSize: 2048 });
  recorded.set(
    net,
    r.activations.map((a) => tensor(Float32Array.from(a.data), a.shape)),
  );
}

/** Replays the recorded activations chunk by chunk (an Evaluator with zero compute). */
const replay = {
  name: 'replay',
  offset: new Map(),
  run(net, chunk) {
    const start = this.offset.get(net) ?? 0;
    const rows = chunk.shape[0];
    this.offset.set(net, (start + rows) % N);
    const acts = recorded.get(net).map((a) => sliceRows(a, start, start + rows));
    return Promise.resolve({
      logits: tensor(new Float32Array(rows * 10), [rows, 10]),
      activations: acts,
    });
  },
  dispose: () => Promise.resolve(),
};

const dir = mkdtempSync(join(tmpdir(), 'nidkit-am-bench-'));
const files = [];
for (const [tag, net] of [
  ['a', netA],
  ['b', netB],
]) {
  recorded.get(net).forEach((a, l) => {
    const p = join(dir, `${tag}${l}.bin`);
    writeFileSync(p, Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    files.push(p);
  });
}

// The peer runs once per line on stdin, so its rounds interleave with nidkit's (python-peer.mjs).
const PY = `
import sys, time, numpy as np
from scipy.optimize import linear_sum_assignment
d, N = sys.argv[1], int(sys.argv[2])
X = {f"{t}{l}": np.fromfile(f"{d}/{t}{l}.bin", dtype='<f4').reshape(N, 512) for t in 'ab' for l in range(3)}
def run():
  out = []
  rng = np.random.default_rng(0)
  for l in range(3):
      a = X[f"a{l}"].astype(np.float64); b = X[f"b{l}"].astype(np.float64)
      a = a - a.mean(0); b = b - b.mean(0)
      na = np.sqrt((a * a).sum(0)); nb = np.sqrt((b * b).sum(0))
      ca = na == 0; cb = nb == 0
      S = (a.T @ b) / np.outer(np.where(ca, 1, na), np.where(cb, 1, nb))
      S[ca, :] = 0; S[:, cb] = 0
      S = np.clip(S, -1, 1)
      r, c = linear_sum_assignment(S, maximize=True)
      n = S.shape[0]
      rand = np.array([S[np.arange(n), rng.permutation(n)].mean() for _ in range(100)])
      out.append((S[r, c].mean(), np.trace(S) / n, rand.mean(), rand.std(ddof=1)))
  return out
run()  # warm-up, as nidkit's
print('ready', flush=True)
for _ in sys.stdin:
    t0 = time.perf_counter()
    out = run()
    print((time.perf_counter() - t0) * 1e3, out[0][0], out[1][0], out[2][0], flush=True)
`;

const onnx = await createOnnxEvaluator();
/** The replay with onnxruntime computing the statistics. */
const replayOrt = {
  name: 'replay+onnxruntime',
  run: (net, chunk) => replay.run(net, chunk),
  crossChunk: onnx.crossChunk,
  dispose: () => Promise.resolve(),
};

const ROUNDS = 5;
const routes = [
  { label: "core's WebAssembly kernel", ev: replay, best: Infinity, res: null },
  { label: 'onnxruntime crossChunk', ev: replayOrt, best: Infinity, res: null },
];
for (const r of routes) await activationMatching(r.ev, netA, netB, sliceRows(inputs, 0, 2048)); // warm-up (JIT, sessions)
const peer = await startPeer(PY, [dir, String(N)]);
let pyBest = Infinity;
let pyOpt = [];
// rounds: each route once, then the peer once
for (let round = 0; round < ROUNDS; round++) {
  for (const r of routes) {
    replay.offset.clear();
    const t0 = performance.now();
    r.res = await activationMatching(r.ev, netA, netB, inputs, {
      batchSize: 2048,
      randomSamples: 100,
    });
    const ms = performance.now() - t0;
    r.best = Math.min(r.best, ms);
    if (process.env.BENCH_VERBOSE)
      console.log(`  round ${round} ${r.ev.name}: ${ms.toFixed(0)} ms`);
  }
  if (peer) {
    const [ms, ...opt] = (await peer.ask('run')).split(' ').map(Number);
    pyBest = Math.min(pyBest, ms);
    pyOpt = opt;
    if (process.env.BENCH_VERBOSE)
      console.log(`  round ${round} numpy+scipy: ${p.ms.toFixed(0)} ms`);
  }
}
peer?.stop();
await onnx.dispose();
rmSync(dir, { recursive: true, force: true });

for (const r of routes)
  console.log(
    `nidkit activationMatching, statistics on ${r.label} (best of ${ROUNDS}): ${r.best.toFixed(0)} ms; optimal per layer ${r.res.layers.map((l) => l.optimal.toFixed(6)).join(', ')}`,
  );
if (peer) {
  console.log(
    `numpy+scipy (float64 two-pass + linear_sum_assignment, best of ${ROUNDS}): ${pyBest.toFixed(0)} ms; optimal per layer ${pyOpt.map((x) => x.toFixed(6)).join(', ')}`,
  );
  console.log(
    `ratio nidkit / numpy+scipy: ${(routes[1].best / pyBest).toFixed(2)}× with onnxruntime (target ≤ 1.0×), ${(routes[0].best / pyBest).toFixed(2)}× on core's kernel`,
  );
}
