/**
 * The implicit QL iteration with Wilkinson shifts (EISPACK tql2) on a symmetric tridiagonal
 * matrix: diagonal `d` (overwritten by the unsorted eigenvalues) and sub-diagonal `e` in
 * `e[1..n−1]` (destroyed). Every plane rotation `(i, c, s)` acting on coordinates i and i+1 is
 * reported to `onRotation` in the order applied, so callers can accumulate eigenvectors directly
 * or replay them later for a few vectors only.
 */
export function implicitQl(
  n: number,
  d: Float64Array,
  e: Float64Array,
  onRotation?: (i: number, c: number, s: number) => void,
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
          onRotation?.(i, c, s);
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
}

/** √(a² + b²), directly when the squares neither overflow nor lose precision, else scaled. */
function hypot(a: number, b: number): number {
  const ss = a * a + b * b;
  if (ss > 1e-290 && ss < 1e290) return Math.sqrt(ss);
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
