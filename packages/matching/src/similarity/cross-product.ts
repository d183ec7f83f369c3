/**
 * `C += Aᵀ B` for column blocks stored transposed: `at` is `m × stride` (row p = column p of A over
 * the first k of `stride` samples), `bt` is `n × stride`; `c` is `m × n` row-major, all float64. Register-blocked 4 × 4 with
 * the sample axis blocked for cache, so each loaded value feeds four multiply-adds. This is the
 * kernel of the streaming cross product `X_Aᵀ X_B` (matching.md §3).
 * @internal
 */
export function addCrossProduct(
  at: Float64Array,
  bt: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  stride = k,
): void {
  const KB = 512;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * stride;
      const a1 = a0 + stride;
      const a2 = a1 + stride;
      const a3 = a2 + stride;
      for (let j = 0; j < n4; j += 4) {
        const b0 = j * stride;
        const b1 = b0 + stride;
        const b2 = b1 + stride;
        const b3 = b2 + stride;
        let s00 = 0,
          s01 = 0,
          s02 = 0,
          s03 = 0;
        let s10 = 0,
          s11 = 0,
          s12 = 0,
          s13 = 0;
        let s20 = 0,
          s21 = 0,
          s22 = 0,
          s23 = 0;
        let s30 = 0,
          s31 = 0,
          s32 = 0,
          s33 = 0;
        for (let p = k0; p < k1; p++) {
          const x0 = at[a0 + p]!;
          const x1 = at[a1 + p]!;
          const x2 = at[a2 + p]!;
          const x3 = at[a3 + p]!;
          const y0 = bt[b0 + p]!;
          const y1 = bt[b1 + p]!;
          const y2 = bt[b2 + p]!;
          const y3 = bt[b3 + p]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
          s20 += x2 * y0;
          s21 += x2 * y1;
          s22 += x2 * y2;
          s23 += x2 * y3;
          s30 += x3 * y0;
          s31 += x3 * y1;
          s32 += x3 * y2;
          s33 += x3 * y3;
        }
        let o = i * n + j;
        c[o]! += s00;
        c[o + 1]! += s01;
        c[o + 2]! += s02;
        c[o + 3]! += s03;
        o += n;
        c[o]! += s10;
        c[o + 1]! += s11;
        c[o + 2]! += s12;
        c[o + 3]! += s13;
        o += n;
        c[o]! += s20;
        c[o + 1]! += s21;
        c[o + 2]! += s22;
        c[o + 3]! += s23;
        o += n;
        c[o]! += s30;
        c[o + 1]! += s31;
        c[o + 2]! += s32;
        c[o + 3]! += s33;
      }
    }
    // Edges: rows i ≥ m4 against every column, and columns j ≥ n4 against rows < m4.
    for (let i = 0; i < m; i++) {
      const jStart = i < m4 ? n4 : 0;
      const ai = i * stride;
      for (let j = jStart; j < n; j++) {
        const bj = j * stride;
        let s = 0;
        for (let p = k0; p < k1; p++) s += at[ai + p]! * bt[bj + p]!;
        c[i * n + j]! += s;
      }
    }
  }
}
