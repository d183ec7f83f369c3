import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import type { FloatArray, Tensor } from './tensor.js';
import { tensor } from './tensor.js';

function require2d(where: string, t: Tensor): [number, number] {
  if (t.shape.length !== 2) {
    throw new InvalidArgumentError(
      `${where}: expected a 2-d tensor, got shape [${t.shape.join(', ')}]`,
    );
  }
  return [t.shape[0]!, t.shape[1]!];
}

/** Transposes a 2-d tensor (`[r, c]` → `[c, r]`), keeping the dtype. Blocked for cache locality. */
export function transpose2d<T extends FloatArray>(t: Tensor<T>): Tensor<T> {
  const [r, c] = require2d('transpose2d', t);
  const src = t.data;
  const out = new (src.constructor as new (n: number) => T)(r * c);
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) {
        const row = i * c;
        for (let j = j0; j < j1; j++) out[j * r + i] = src[row + j]!;
      }
    }
  }
  return tensor(out, [c, r]);
}

/** Row `i` of a 2-d tensor as a view (no copy) into its data. */
export function rowView<T extends FloatArray>(t: Tensor<T>, i: number): T {
  const [r, c] = require2d('rowView', t);
  if (!Number.isInteger(i) || i < 0 || i >= r) {
    throw new InvalidArgumentError(`rowView: row ${i} is out of range — expected 0..${r - 1}`);
  }
  return t.data.subarray(i * c, (i + 1) * c) as T;
}

/** Rows `start..end-1` of a tensor (any rank ≥ 1) as a view along the first axis. */
export function sliceRows<T extends FloatArray>(
  t: Tensor<T>,
  start: number,
  end: number,
): Tensor<T> {
  const n = t.shape[0] ?? 0;
  if (start < 0 || end > n || start > end) {
    throw new InvalidArgumentError(`sliceRows: range ${start}..${end} is outside 0..${n}`);
  }
  const inner = n === 0 ? 0 : t.data.length / n;
  return tensor(t.data.subarray(start * inner, end * inner) as T, [
    end - start,
    ...t.shape.slice(1),
  ]);
}

/**
 * `C = A·B` for row-major `A` (`m×k`) and `B` (`k×n`) on flat typed arrays, accumulated in
 * float64. The i-k-j loop order streams rows of B, which is several times faster than the naive
 * i-j-k order for the sizes nidkit uses.
 */
export function matmulRaw(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  out: Float64Array = new Float64Array(m * n),
): Float64Array {
  if (a.length < m * k || b.length < k * n || out.length < m * n) {
    throw new InvalidArgumentError(`matmulRaw: buffers too small for [${m}, ${k}]·[${k}, ${n}]`);
  }
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p]!;
      if (av === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[ci + j]! += av * b[bp + j]!;
    }
  }
  return out;
}

/**
 * `C = A·Bᵀ` for `A` (`m×k`) and `B` (`n×k`), both row-major: dot products of rows, accumulated
 * in float64. This is the layer product `H Wᵀ` with `W` stored `out × in`.
 */
export function matmulTransposedRaw(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  out: Float64Array = new Float64Array(m * n),
): Float64Array {
  if (a.length < m * k || b.length < n * k || out.length < m * n) {
    throw new InvalidArgumentError(
      `matmulTransposedRaw: buffers too small for [${m}, ${k}]·[${n}, ${k}]ᵀ`,
    );
  }
  // Four rows of B at a time: each A row is read once per four outputs.
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    const ci = i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p]!;
        s0 += av * b[b0 + p]!;
        s1 += av * b[b1 + p]!;
        s2 += av * b[b2 + p]!;
        s3 += av * b[b3 + p]!;
      }
      out[ci + j] = s0;
      out[ci + j + 1] = s1;
      out[ci + j + 2] = s2;
      out[ci + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      out[ci + j] = s;
    }
  }
  return out;
}

/** `A·B` of two 2-d tensors, as a float64 tensor. */
export function matmul(a: Tensor, b: Tensor): Tensor<Float64Array> {
  const [m, k] = require2d('matmul', a);
  const [k2, n] = require2d('matmul', b);
  if (k !== k2) throw new ShapeMismatchError('matmul', [k, n], [k2, n], 'inner dimensions differ');
  return tensor(matmulRaw(a.data, b.data, m, k, n), [m, n]);
}
