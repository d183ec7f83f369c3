// Linear assignment benchmark: nidkit's solver vs scipy.optimize.linear_sum_assignment on the
// identical matrices, in the same run. Usage: pnpm --filter @nidkit/matching bench [sizes...]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@nidkit/core';
import { linearSumAssignment } from '../dist/index.js';
import { startPeer } from '@nidkit/bench-tools/python-peer';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const SIZES = sizes.length ? sizes : [256, 512, 1024, 2048];
const reps = (n) => (n <= 512 ? 15 : n <= 1024 ? 9 : 3);

function uniform(n, seed) {
  const rng = Rng.stream(seed, 'bench', 'uniform', n);
  return rng.fillUniform(new Float64Array(n * n), 0, 1);
}

// Correlation-like similarity: low-rank shared structure, a planted matching, and noise.
function structured(n, seed) {
  const rng = Rng.stream(seed, 'bench', 'structured', n);
  const k = 16;
  const a = rng.fillNormal(new Float64Array(n * k));
  const b = rng.fillNormal(new Float64Array(n * k));
  const sigma = rng.permutation(n);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let p = 0; p < k; p++) d += a[i * k + p] * b[j * k + p];
      s[i * n + j] = Math.tanh(d / k) * 0.5 + 0.2 * rng.normal();
    }
    s[i * n + sigma[i]] += 0.6;
  }
  return s;
}

// Timings are the minimum over repetitions for both solvers; the repetitions alternate between
// nidkit and SciPy (python-peer.mjs), so that load on a shared machine falls on both.

const PY = `
import sys, time, numpy as np
from scipy.optimize import linear_sum_assignment
mats = {}
print('ready', flush=True)
for line in sys.stdin:
    path, n, maximize = line.split()
    n = int(n); maximize = maximize == '1'
    if path not in mats:
        mats[path] = np.fromfile(path, dtype='<f8').reshape(n, n)
        linear_sum_assignment(mats[path], maximize=maximize)  # warm-up
    c = mats[path]
    t0 = time.perf_counter(); r, k = linear_sum_assignment(c, maximize=maximize); ms = (time.perf_counter() - t0) * 1e3
    print(ms, float(c[r, k].sum()), flush=True)
`;

const dir = mkdtempSync(join(tmpdir(), 'nidkit-lap-bench-'));
const jobs = [];
for (const n of SIZES) {
  jobs.push({ kind: 'uniform', n, maximize: false, data: uniform(n, 1) });
  jobs.push({ kind: 'structured', n, maximize: true, data: structured(n, 2) });
}

const peer = await startPeer(PY);
console.log('kind        n     nidkit ms   scipy ms   ratio   |Δtotal|');
for (const [k, job] of jobs.entries()) {
  const path = join(dir, `m${k}.bin`);
  writeFileSync(path, Buffer.from(job.data.buffer));
  const input = { data: job.data, shape: [job.n, job.n] };
  linearSumAssignment(input, { maximize: job.maximize }); // warm-up
  let ms = Infinity;
  let spMs = Infinity;
  let total = 0;
  let spTotal = 0;
  for (let r = 0; r < reps(job.n); r++) {
    const t0 = performance.now();
    total = linearSumAssignment(input, { maximize: job.maximize }).total;
    ms = Math.min(ms, performance.now() - t0);
    if (peer) {
      const [pms, ptotal] = (await peer.ask(`${path} ${job.n} ${job.maximize ? 1 : 0}`))
        .split(' ')
        .map(Number);
      spMs = Math.min(spMs, pms);
      spTotal = ptotal;
    }
  }
  const ratio = peer ? (ms / spMs).toFixed(2) + '×' : '—';
  const diff = peer ? Math.abs(total - spTotal).toExponential(1) : '—';
  console.log(
    `${job.kind.padEnd(11)} ${String(job.n).padStart(4)} ${ms.toFixed(1).padStart(11)} ${peer ? spMs.toFixed(1).padStart(10) : '—'.padStart(10)} ${ratio.padStart(7)}   ${diff}`,
  );
}
peer?.stop();
rmSync(dir, { recursive: true, force: true });
