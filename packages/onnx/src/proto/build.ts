/**
 * Small helpers that build plain ONNX protobuf messages (tensors, nodes, attributes, value infos).
 * Float data is always written as little-endian `raw_data`, so serialization is deterministic.
 */
import type { AttributeMsg, NodeMsg, TensorMsg, ValueInfoMsg } from './schema.js';
import { AttributeType, DataType } from './schema.js';

/** A float32 tensor as an ONNX `TensorProto` with little-endian `raw_data`. */
export function floatTensor(name: string, data: Float32Array, dims: readonly number[]): TensorMsg {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData: raw };
}

/** A 0/1 float mask as an ONNX BOOL tensor (`raw_data`, one byte per entry). */
export function boolTensor(name: string, data: Float32Array, dims: readonly number[]): TensorMsg {
  const raw = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) raw[i] = data[i] !== 0 ? 1 : 0;
  return { name, dataType: DataType.BOOL, dims: [...dims], rawData: raw };
}

/** An int64 tensor (shapes, axes) with little-endian `raw_data`. */
export function int64Tensor(
  name: string,
  data: readonly number[],
  dims: readonly number[],
): TensorMsg {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: DataType.INT64, dims: [...dims], rawData: raw };
}

/** Attribute constructors. */
export const attr = {
  int: (name: string, i: number): AttributeMsg => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number): AttributeMsg => ({ name, type: AttributeType.FLOAT, f }),
  ints: (name: string, ints: readonly number[]): AttributeMsg => ({
    name,
    type: AttributeType.INTS,
    ints: [...ints],
  }),
  string: (name: string, s: string): AttributeMsg => ({
    name,
    type: AttributeType.STRING,
    s: new TextEncoder().encode(s),
  }),
  tensor: (name: string, t: TensorMsg): AttributeMsg => ({ name, type: AttributeType.TENSOR, t }),
};

/** A node in the default domain. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: AttributeMsg[] = [],
): NodeMsg {
  const n: NodeMsg = { input: [...inputs], output: [...outputs], name, opType };
  if (attributes.length > 0) n.attribute = attributes;
  return n;
}

/** A tensor value info; a string dimension is symbolic (`dim_param`), `null` unknown. */
export function valueInfo(
  name: string,
  elemType: number,
  shape: readonly (number | string | null)[] | null,
): ValueInfoMsg {
  const tensorType: NonNullable<NonNullable<ValueInfoMsg['type']>['tensorType']> = { elemType };
  if (shape) {
    tensorType.shape = {
      dim: shape.map((d) =>
        typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {},
      ),
    };
  }
  return { name, type: { tensorType } };
}
