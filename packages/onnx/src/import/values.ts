/**
 * Constant values during import (initializers, `Constant` nodes and everything computed from them)
 * and the small constant evaluator that folds subgraphs depending only on constants
 * (onnx.md §2: an unfolded `W ⊙ D + (1−D) ⊙ κN`, a `Transpose` of a weight, a shape chain).
 * Float arithmetic is float32 (as onnxruntime computes it); integers are exact (safe integers).
 */

/** A constant tensor: float32, integer (exact in float64) or bool. */
export interface ConstValue {
  readonly kind: 'float' | 'int' | 'bool';
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Uint8Array;
  /** True when the value depends on the batch dimension (from `Shape` of the graph input). */
  readonly batchDependent?: boolean;
}

/** Stand-in for the symbolic batch size in statically evaluated shape chains. */
export const BATCH_SENTINEL = -987_654_321;

/** Thrown by the evaluator; the importer turns it into an OnnxImportError naming the node. */
export class EvalError extends Error {}

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function floatValue(shape: readonly number[], data: Float32Array): ConstValue {
  return { kind: 'float', shape: [...shape], data };
}

function makeLike(kind: ConstValue['kind'], n: number): Float32Array | Float64Array | Uint8Array {
  return kind === 'float'
    ? new Float32Array(n)
    : kind === 'int'
      ? new Float64Array(n)
      : new Uint8Array(n);
}

/** numpy-style broadcast of shapes; the result may not be larger than the largest operand. */
export function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v)
        throw new EvalError(
          `shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} do not broadcast`,
        );
      d = v;
    }
    out.push(d);
  }
  const biggest = Math.max(...shapes.map(sizeOfShape));
  if (sizeOfShape(out) > biggest) {
    throw new EvalError(
      `broadcasting ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} would grow the data — only scalar/row broadcasts are evaluated`,
    );
  }
  return out;
}

function broadcastIndex(outShape: readonly number[], shape: readonly number[]): Int32Array {
  const n = sizeOfShape(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const r = rank - shape.length + i;
    strides[r] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  const counter = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let o = 0;
    for (let i = 0; i < rank; i++) o += counter[i]! * strides[i]!;
    idx[k] = o;
    for (let i = rank - 1; i >= 0; i--) {
      if (++counter[i]! < outShape[i]!) break;
      counter[i] = 0;
    }
  }
  return idx;
}

/** Elementwise op on 1–3 operands with broadcasting; float results are rounded to float32 by the output array. */
export function elementwise(
  values: readonly ConstValue[],
  kind: ConstValue['kind'],
  fn: (a: number, b: number, c: number) => number,
): ConstValue {
  const shape = broadcastShape(values.map((v) => v.shape));
  const n = sizeOfShape(shape);
  const out = makeLike(kind, n);
  const [a, b, c] = [values[0]!, values[1], values[2]];
  const idx = (v: ConstValue | undefined): Int32Array | null =>
    v && v.data.length !== n ? broadcastIndex(shape, v.shape) : null;
  const ia = idx(a);
  const ib = idx(b);
  const ic = idx(c);
  const da = a.data;
  const db = b?.data;
  const dc = c?.data;
  for (let k = 0; k < n; k++) {
    const x = da[ia ? ia[k]! : k]!;
    const y = db ? db[ib ? ib[k]! : k]! : 0;
    const z = dc ? dc[ic ? ic[k]! : k]! : 0;
    out[k] = fn(x, y, z);
  }
  return { kind, shape, data: out, batchDependent: values.some((v) => v.batchDependent) };
}

/** Transposes a constant with permutation `perm` (default: reverse). */
export function transpose(v: ConstValue, perm?: readonly number[]): ConstValue {
  const rank = v.shape.length;
  const p = perm && perm.length > 0 ? perm : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((x, i) => x !== i)) {
    throw new EvalError(`perm [${p.join(', ')}] is not a permutation of 0..${rank - 1}`);
  }
  const outShape = p.map((i) => v.shape[i]!);
  const n = sizeOfShape(outShape);
  const out = makeLike(v.kind, n);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= v.shape[i]!;
  }
  const counter = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let o = 0;
    for (let i = 0; i < rank; i++) o += counter[i]! * inStrides[p[i]!]!;
    out[k] = v.data[o]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++counter[i]! < outShape[i]!) break;
      counter[i] = 0;
    }
  }
  return { kind: v.kind, shape: outShape, data: out, batchDependent: v.batchDependent };
}

/** Transposes a 2-D float32 matrix `[r, c]` → `[c, r]`. */
export function transpose2(data: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]!;
  return out;
}

/** Integer list of a constant (shape/axes inputs). */
export function intList(v: ConstValue): number[] {
  if (v.kind !== 'int') throw new EvalError(`expected an integer tensor, got ${v.kind}`);
  return Array.from(v.data as Float64Array);
}

/** Normalizes an axis into 0..rank−1. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new EvalError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Resolves a Reshape target shape against the input's size (handles 0 and −1). */
export function reshapeTarget(inShape: readonly number[], target: readonly number[]): number[] {
  const out = target.map((d, i) => (d === 0 ? (inShape[i] ?? 0) : d));
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1)
    throw new EvalError(`reshape target [${target.join(', ')}] has more than one −1`);
  const n = sizeOfShape(inShape);
  if (unknown === 1) {
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known <= 0 || n % known !== 0)
      throw new EvalError(`cannot reshape [${inShape.join(', ')}] to [${target.join(', ')}]`);
    out[out.indexOf(-1)] = n / known;
  }
  if (out.some((d) => !Number.isSafeInteger(d) || d < 0) || sizeOfShape(out) !== n) {
    throw new EvalError(`cannot reshape [${inShape.join(', ')}] to [${target.join(', ')}]`);
  }
  return out;
}
