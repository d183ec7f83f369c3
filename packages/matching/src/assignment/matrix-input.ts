import { InvalidArgumentError, formatShape } from '@nidkit/core';
import { Matrix } from 'ml-matrix';

/**
 * A dense 2-d matrix as matching accepts it: an ml-matrix `Matrix`, nested arrays
 * (`number[][]`, rows of equal length), or a typed array with a shape (`{ data, shape: [r, c] }`,
 * e.g. a core `Tensor`).
 */
export type MatrixInput =
  | Matrix
  | readonly (readonly number[] | Float64Array | Float32Array)[]
  | { readonly data: ArrayLike<number>; readonly shape: readonly number[] };

/** A row-major float64 matrix. */
export interface DenseMatrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Normalizes any {@link MatrixInput} into one row-major `Float64Array` (always a copy, so the
 * caller's data is never mutated).
 * @param where - the calling function, for error messages
 * @param input - the matrix
 * @returns `{ data, rows, cols }`
 * @throws InvalidArgumentError for ragged rows, a shape that is not 2-d, or a size mismatch
 */
export function toDenseMatrix(where: string, input: MatrixInput): DenseMatrix {
  if (Matrix.isMatrix(input)) {
    const m = input;
    const rows = m.rows;
    const cols = m.columns;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = m.getRow(i);
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
    }
    return { data, rows, cols };
  }
  if (Array.isArray(input)) {
    const arr = input as readonly ArrayLike<number>[];
    const rows = arr.length;
    const cols = rows === 0 ? 0 : (arr[0]?.length ?? 0);
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = arr[i];
      if (row === undefined || typeof row !== 'object' || row.length !== cols) {
        throw new InvalidArgumentError(
          `${where}: ragged nested array — expected ${cols} entries in every row, got ${row === undefined || typeof row !== 'object' ? 'a non-array' : row.length} in row ${i}`,
        );
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = Number(row[j]);
    }
    return { data, rows, cols };
  }
  const t = input as { readonly data?: ArrayLike<number>; readonly shape?: readonly number[] };
  if (
    t &&
    typeof t === 'object' &&
    t.data !== undefined &&
    t.shape !== undefined &&
    Array.isArray(t.shape)
  ) {
    const shape: readonly number[] = t.shape;
    const values: ArrayLike<number> = t.data;
    if (shape.length !== 2) {
      throw new InvalidArgumentError(
        `${where}: expected a 2-d matrix, got shape ${formatShape(shape)}`,
      );
    }
    const rows = shape[0]!;
    const cols = shape[1]!;
    if (
      !Number.isSafeInteger(rows) ||
      !Number.isSafeInteger(cols) ||
      rows < 0 ||
      cols < 0 ||
      values.length !== rows * cols
    ) {
      throw new InvalidArgumentError(
        `${where}: data length does not match shape ${formatShape(shape)} — expected ${rows * cols}, got ${values.length}`,
      );
    }
    return { data: Float64Array.from(values), rows, cols };
  }
  throw new InvalidArgumentError(
    `${where}: unsupported matrix — expected an ml-matrix Matrix, nested arrays or { data, shape }, got ${typeof input}`,
  );
}
