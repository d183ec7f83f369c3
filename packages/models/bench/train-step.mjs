// ms per training step (forward + backward + AdamW) of the paper's 784-512-512-512-10
// LayerNorm+GELU MLP, batch 64 and 128, on every available tfjs backend, and the same step in
// PyTorch (Debian python3-torch) with the same thread count, measured in the same run.
//   pnpm --filter @nidkit/models build && pnpm --filter @nidkit/models bench
import { execFileSync } from 'node:child_process';
import { Rng, tensor } from '@nidkit/core';
import { buildMlp, paperMlpConfig, trainNetwork } from '../dist/index.js';

const WARMUP = 5;
const STEPS = Number(process.env.BENCH_STEPS ?? 40);

function dataset(batch, steps) {
  const n = batch * steps;
  const rng = Rng.stream(1, 'bench');
  const x = rng.fillNormal(new Float32Array(n * 784));
  const y = Int32Array.from({ length: n }, () => rng.int(10));
  return {
    name: 'bench',
    task: 'classification',
    inputShape: [1, 28, 28],
    numOutputs: 10,
    splits: { train: { inputs: tensor(x, [n, 1, 28, 28]), labels: y } },
  };
}

async function tfjsStep(backend, batch) {
  const steps = backend === 'cpu' ? Math.min(STEPS, 8) : STEPS;
  const times = [];
  let last = 0;
  const r = await trainNetwork(
    buildMlp(paperMlpConfig({ initSeed: 1 })),
    dataset(batch, WARMUP + steps),
    {
      epochs: 1,
      batchSize: batch,
      backend,
      valSplit: null,
      testSplit: null,
      onProgress: (e) => {
        if (e.kind !== 'step') return;
        const now = performance.now();
        if (e.step > WARMUP) times.push(now - last);
        last = now;
      },
    },
  );
  times.sort((a, b) => a - b);
  return {
    backend: r.backend,
    simd: r.backendInfo.simd,
    threads: r.backendInfo.threads,
    median: times[Math.floor(times.length / 2)],
  };
}

const PY = `
import sys, time, torch
torch.set_num_threads(int(sys.argv[2])); torch.manual_seed(0)
b = int(sys.argv[1])
layers = []
for i, o in [(784, 512), (512, 512), (512, 512)]:
    layers += [torch.nn.Linear(i, o), torch.nn.LayerNorm(o), torch.nn.GELU()]
m = torch.nn.Sequential(torch.nn.Flatten(), *layers, torch.nn.Linear(512, 10))
opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)
x = torch.randn(b, 1, 28, 28); y = torch.randint(0, 10, (b,))
ts = []
for s in range(${WARMUP} + ${STEPS}):
    t = time.perf_counter()
    opt.zero_grad(); loss = torch.nn.functional.cross_entropy(m(x), y); loss.backward(); opt.step()
    if s >= ${WARMUP}: ts.append((time.perf_counter() - t) * 1000)
ts.sort(); print(ts[len(ts) // 2])
`;

function torchStep(batch, threads) {
  try {
    const env = {
      ...process.env,
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    };
    return Number(
      execFileSync('/usr/bin/python3', ['-c', PY, String(batch), String(threads)], {
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {
    return null;
  }
}

const rows = [];
for (const batch of [64, 128]) {
  const torch1 = torchStep(batch, 1);
  const torch2 = torchStep(batch, 2);
  for (const backend of ['tensorflow', 'wasm', 'cpu']) {
    let res;
    try {
      res = await tfjsStep(backend, batch);
    } catch (e) {
      rows.push({ batch, backend, note: `unavailable (${e.message.split('\n')[0].slice(0, 80)})` });
      continue;
    }
    const threads = res.threads ? 2 : 1;
    const peer = threads === 1 ? torch1 : torch2;
    rows.push({
      batch,
      backend: res.backend + (res.simd ? ' (simd)' : ''),
      tfjsMsPerStep: +res.median.toFixed(2),
      torchMsPerStep: peer === null ? null : +peer.toFixed(2),
      torchThreads: threads,
      ratio: peer === null ? null : +(res.median / peer).toFixed(2),
    });
  }
  rows.push({
    batch,
    backend: 'pytorch, 2 threads (for reference)',
    torchMsPerStep: torch2 === null ? null : +torch2.toFixed(2),
  });
}
console.table(rows);
