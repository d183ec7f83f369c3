/**
 * Dense float64 products on core's `CrossProduct` (WebAssembly SIMD on packed panels, split over
 * worker threads when large): `C = A·B` and `C = XᵀY` for row-major matrices.
 */
import { tensor, transpose2d } from '@nidkit/core';
import { CrossProduct } from '@nidkit/core/kernels';

/** `C = XᵀY` (`m × n`) for row-major `X` (`N × m`) and `Y` (`N × n`). */
export function crossProductOf(
  x: Float32Array | Float64Array,
  y: Float64Array,
  N: number,
  m: number,
  n: number,
): Float64Array {
  const xp = new CrossProduct(m, n, { chunkRows: Math.min(N, 2048) });
  try {
    xp.add(x, null, y, null, N);
    return xp.result();
  } finally {
    xp.dispose();
  }
}

/** `C = A·B` (`p × r`) for row-major `A` (`p × q`, float32 or float64) and `B` (`q × r`). */
export function matmulOf(
  a: Float32Array | Float64Array,
  b: Float64Array,
  p: number,
  q: number,
  r: number,
): Float64Array {
  return crossProductOf(transpose2d(tensor(a, [p, q])).data, b, q, p, r);
}
