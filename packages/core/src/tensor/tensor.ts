import {
  InvalidArgumentError,
  NonFiniteError,
  ShapeMismatchError,
  formatShape,
} from '../errors.js';

/** A typed float array: model tensors are float32, analyses float64. */
export type FloatArray = Float32Array | Float64Array;

/** The element type of a {@link Tensor}. */
export type DType = 'float32' | 'float64';

/**
 * nidkit's one tensor shape: contiguous row-major `data` with its `shape`.
 * `data.length` always equals the product of `shape`.
 */
export interface Tensor<T extends FloatArray = FloatArray> {
  readonly data: T;
  readonly shape: readonly number[];
}

/** Number of elements of a shape (1 for `[]`). Throws on a negative or non-integer dimension. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `sizeOf: invalid dimension ${d} in shape ${formatShape(shape)}`,
      );
    }
    n *= d;
  }
  return n;
}

/**
 * Wraps `data` as a tensor of `shape` after checking that the sizes agree.
 * @throws ShapeMismatchError when `data.length` is not the product of `shape`.
 */
export function tensor<T extends FloatArray>(data: T, shape: readonly number[]): Tensor<T> {
  const n = sizeOf(shape);
  if (n !== data.length) {
    throw new ShapeMismatchError(
      'tensor',
      [n],
      [data.length],
      `data length does not match shape ${formatShape(shape)}`,
    );
  }
  return { data, shape: Object.freeze([...shape]) };
}

/** A zero-filled tensor of the given dtype (float32 by default). */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const n = sizeOf(shape);
  return tensor(dtype === 'float32' ? new Float32Array(n) : new Float64Array(n), shape);
}

/** The dtype of a tensor's data. */
export function dtypeOf(t: Tensor): DType {
  return t.data instanceof Float32Array ? 'float32' : 'float64';
}

/** A float64 copy of `t` (always a copy). */
export function toFloat64(t: Tensor): Tensor<Float64Array> {
  return tensor(Float64Array.from(t.data), t.shape);
}

/** A float32 copy of `t` (always a copy; values rounded with `Math.fround`). */
export function toFloat32(t: Tensor): Tensor<Float32Array> {
  return tensor(Float32Array.from(t.data), t.shape);
}

/** A deep copy of `t` with the same dtype. */
export function cloneTensor<T extends FloatArray>(t: Tensor<T>): Tensor<T> {
  return tensor(t.data.slice() as T, t.shape);
}

/** Throws a {@link ShapeMismatchError} naming `where` unless `t.shape` equals `expected`. */
export function assertShape(where: string, t: Tensor, expected: readonly number[]): void {
  if (!shapesEqual(t.shape, expected)) throw new ShapeMismatchError(where, expected, t.shape);
}

/** True when two shapes are equal. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of NaN and ±Infinity entries. */
export function countNonFinite(data: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) n++;
  return n;
}

/**
 * The NonFiniteError for rows `start … start+rows−1` of a row-major array of `width` columns
 * (samples × units): how many NaN/±∞ entries they hold and where the first one is.
 * @param location - the message prefix, e.g. `CrossStatistics.add: activations of A`
 */
export function nonFiniteRowsError(
  location: string,
  x: ArrayLike<number>,
  width: number,
  start = 0,
  rows = Math.floor(x.length / width) - start,
): NonFiniteError {
  let count = 0;
  let first = '';
  for (let r = start; r < start + rows; r++)
    for (let c = 0; c < width; c++) {
      const v = x[r * width + c]!;
      if (!Number.isFinite(v)) {
        if (count === 0) first = `(first at sample ${r}, unit ${c}: ${v})`;
        count++;
      }
    }
  return new NonFiniteError(location, Math.max(1, count), first);
}
