/**
 * Symmetric eigendecomposition on flat `Float64Array`s: Householder tridiagonalization (tred2)
 * followed by the implicit QL algorithm (tql2), after JAMA / EISPACK. The eigenvector matrix is
 * stored transposed so that every hot loop scans contiguous memory; eigenvector `j` is row `j` of
 * the returned `vectors`.
 */

/** Result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** `n×n` row-major; row `j` is the unit eigenvector of `values[j]` (empty when not requested). */
  readonly vectors: Float64Array;
}

function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/**
 * Eigenvalues (ascending) and, optionally, orthonormal eigenvectors of the symmetric `n×n`
 * row-major matrix `a` (only symmetric input is meaningful; `a` is not modified).
 * @param a - symmetric matrix, row-major, length ≥ n²
 * @param n - order
 * @param wantVectors - compute eigenvectors (default true)
 * @returns values ascending, vectors as rows
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
  wantVectors = true,
): SymmetricEigen {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: new Float64Array(0) };
  // V holds the transpose of JAMA's V: V[r*n + c] == JAMA V(c, r).
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) V[j * n + i] = a[i * n + j]!;
  tred2(n, e, d, V, wantVectors);
  tql2(n, e, d, V, wantVectors);
  return { values: d, vectors: wantVectors ? V : new Float64Array(0) };
}

function tred2(
  n: number,
  e: Float64Array,
  d: Float64Array,
  V: Float64Array,
  wantVectors: boolean,
): void {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      f = d[i - 1]!;
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        const rj = j * n;
        V[i * n + j] = f;
        g = e[j]! + V[rj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vjk = V[rj + k]!;
          g += vjk * d[k]!;
          e[k] = e[k]! + vjk * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const rj = j * n;
        for (let k = j; k <= i - 1; k++) V[rj + k] = V[rj + k]! - (f * e[k]! + g * d[k]!);
        d[j] = V[rj + i - 1]!;
        V[rj + i] = 0;
      }
    }
    d[i] = h;
  }
  if (wantVectors) {
    for (let i = 0; i < n - 1; i++) {
      V[i * n + n - 1] = V[i * n + i]!;
      V[i * n + i] = 1;
      h = d[i + 1]!;
      const ri1 = (i + 1) * n;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = V[ri1 + k]! / h;
        for (let j = 0; j <= i; j++) {
          const rj = j * n;
          g = 0;
          for (let k = 0; k <= i; k++) g += V[ri1 + k]! * V[rj + k]!;
          for (let k = 0; k <= i; k++) V[rj + k] = V[rj + k]! - g * d[k]!;
        }
      }
      for (let k = 0; k <= i; k++) V[ri1 + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = V[j * n + n - 1]!;
      V[j * n + n - 1] = 0;
    }
    V[(n - 1) * n + n - 1] = 1;
  } else {
    for (let j = 0; j < n; j++) d[j] = V[j * n + j]!;
  }
  e[0] = 0;
}

function tql2(
  n: number,
  e: Float64Array,
  d: Float64Array,
  V: Float64Array,
  wantVectors: boolean,
): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        iter++;
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (wantVectors) {
            const r0 = i * n;
            const r1 = r0 + n;
            for (let k = 0; k < n; k++) {
              const hk = V[r1 + k]!;
              const vk = V[r0 + k]!;
              V[r1 + k] = s * vk + c * hk;
              V[r0 + k] = c * vk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (iter > 60 * n) break; // never observed; guards against an endless loop on NaN input
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      if (wantVectors) {
        const ri = i * n;
        const rk = k * n;
        for (let j = 0; j < n; j++) {
          const t = V[ri + j]!;
          V[ri + j] = V[rk + j]!;
          V[rk + j] = t;
        }
      }
    }
  }
}
