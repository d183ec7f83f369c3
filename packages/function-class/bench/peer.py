#!/usr/bin/python3
"""NumPy peer of bench/function-class.mjs: reads the same float64 data and times the same work."""
import json
import sys
import time

import numpy as np

REPEATS = 7  # best of WARMUP + REPEATS runs, as the JS side
WARMUP = 3


def subspace(path, n, d, tau, warmup=WARMUP, repeats=REPEATS, svd=True):
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    out = {'eigh': float('inf')}
    for _ in range(warmup + repeats):
        t = time.perf_counter()
        Xc = X - X.mean(0)
        lam, vec = np.linalg.eigh(Xc.T @ Xc)
        lam = np.clip(lam[::-1], 0, None)
        r = np.cumsum(lam) / lam.sum()
        k = min(int(np.searchsorted(r, tau, 'left')) + 1, d)
        U = vec[:, ::-1][:, :k]
        out['eigh'] = min(out['eigh'], time.perf_counter() - t)
    out['k'] = k
    if not svd:
        return out
    t = time.perf_counter()
    Xc = X - X.mean(0)
    s = np.linalg.svd(Xc, full_matrices=False, compute_uv=True)[1]
    lam2 = s ** 2
    r2 = np.cumsum(lam2) / lam2.sum()
    out['svd'] = time.perf_counter() - t
    out['k_svd'] = min(int(np.searchsorted(r2, tau, 'left')) + 1, d)
    return out


def costs(prefix, n, d, k, warmup=WARMUP, repeats=REPEATS):
    U = np.fromfile(prefix + '.U', dtype=np.float64).reshape(d, k)
    W = np.fromfile(prefix + '.W', dtype=np.float64).reshape(n, d)
    D = np.fromfile(prefix + '.D', dtype=np.float64).reshape(n, d)
    F = np.fromfile(prefix + '.F', dtype=np.float64).reshape(n, d)
    elapsed = float('inf')
    for _ in range(warmup + repeats):
        t = time.perf_counter()
        A = W @ U
        V = F @ U
        rtol = k * 2.0 ** -23
        M = np.empty((n, n))
        for i in range(n):
            S = U.T @ (D[i][:, None] * U)
            P = np.linalg.pinv(S, rcond=rtol, hermitian=True)
            E = A - V[i]
            M[i] = ((E @ P) * E).sum(1)
        dM = np.diag(M)
        T = M + M.T - dM[:, None] - dM[None, :]
        elapsed = min(elapsed, time.perf_counter() - t)
    M.tofile(prefix + '.M_numpy')
    return {'costs': elapsed}


def run(job, once=False):
    """The job; `once`: a single timed run without warm-up (or SVD), for alternating with nidkit."""
    kw = {'warmup': 0, 'repeats': 1} if once else {}
    if job['kind'] == 'subspace':
        return subspace(job['path'], job['n'], job['d'], job['tau'], svd=not once, **kw)
    return costs(job['prefix'], job['n'], job['d'], job['k'], **kw)


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        # one timed run per line of JSON on stdin, so that the benchmark can alternate with nidkit
        print('ready', flush=True)
        for line in sys.stdin:
            print(json.dumps(run(json.loads(line), once=True)), flush=True)
    else:
        print(json.dumps(run(json.loads(sys.argv[1]))))
