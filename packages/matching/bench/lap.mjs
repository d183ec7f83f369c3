// Linear assignment benchmark: nidkit's solver vs scipy.optimize.linear_sum_assignment on the
// identical matrices, in the same run. Usage: pnpm --filter @nidkit/matching bench [sizes...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@nidkit/core';
import { linearSumAssignment } from '../dist/index.js';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const SIZES = sizes.length ? sizes : [256, 512, 1024, 2048];
const reps = (n) => (n <= 512 ? 7 : n <= 1024 ? 5 : 3);

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

// Timings are the minimum over repetitions for both solvers (robust on a shared machine).

const PY = `
import sys, time, numpy as np
from scipy.optimize import linear_sum_assignment
for line in sys.stdin:
    path, n, reps, maximize = line.split()
    n = int(n); reps = int(reps); maximize = maximize == '1'
    c = np.fromfile(path, dtype='<f8').reshape(n, n)
    linear_sum_assignment(c, maximize=maximize)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); r, k = linear_sum_assignment(c, maximize=maximize); ts.append(time.perf_counter() - t0)
    print(min(ts) * 1e3, float(c[r, k].sum()), flush=True)
`;

const dir = mkdtempSync(join(tmpdir(), 'nidkit-lap-bench-'));
const jobs = [];
for (const n of SIZES) {
  jobs.push({ kind: 'uniform', n, maximize: false, data: uniform(n, 1) });
  jobs.push({ kind: 'structured', n, maximize: true, data: structured(n, 2) });
}

/** Times scipy on one job (a fresh python per job, so both solvers run under the same load). */
function timeScipy(job, k) {
  const path = join(dir, `m${k}.bin`);
  writeFileSync(path, Buffer.from(job.data.buffer));
  const line = `${path} ${job.n} ${reps(job.n)} ${job.maximize ? 1 : 0}\n`;
  const py = spawnSync('/usr/bin/python3', ['-c', PY], { input: line, encoding: 'utf8' });
  if (py.status !== 0)
    return { error: (py.stderr || py.error?.message || '').trim().split('\n').pop() };
  const [ms, total] = py.stdout.trim().split(' ').map(Number);
  return { ms, total };
}

console.log('kind        n     nidkit ms   scipy ms   ratio   |Δtotal|');
let warned = false;
jobs.forEach((job, k) => {
  const sp = timeScipy(job, k);
  if (sp.error && !warned) {
    console.log(`scipy unavailable (${sp.error}); timing nidkit only`);
    warned = true;
  }
  const input = { data: job.data, shape: [job.n, job.n] };
  linearSumAssignment(input, { maximize: job.maximize }); // warm-up
  const ts = [];
  let total = 0;
  for (let r = 0; r < reps(job.n); r++) {
    const t0 = performance.now();
    total = linearSumAssignment(input, { maximize: job.maximize }).total;
    ts.push(performance.now() - t0);
  }
  const ms = Math.min(...ts);
  const ok = !sp.error;
  const ratio = ok ? (ms / sp.ms).toFixed(2) + '×' : '—';
  const diff = ok ? Math.abs(total - sp.total).toExponential(1) : '—';
  console.log(
    `${job.kind.padEnd(11)} ${String(job.n).padStart(4)} ${ms.toFixed(1).padStart(11)} ${ok ? sp.ms.toFixed(1).padStart(10) : '—'.padStart(10)} ${ratio.padStart(7)}   ${diff}`,
  );
});
rmSync(dir, { recursive: true, force: true });
