/**
 * The subset of the ONNX protobuf schema (onnx.proto, IR version ≤ 10) that nidkit reads and
 * writes, as a protobufjs reflection root built from a JSON descriptor with the official field
 * numbers. Fields nidkit never needs (sub-graphs in attributes, sparse tensors, training info,
 * functions) are deliberately absent: the decoder skips them as unknown fields, which also bounds
 * the recursion depth of decoding.
 */
import protobuf from 'protobufjs/light.js';

/** ONNX `TensorProto.DataType` values nidkit knows about. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** ONNX `AttributeProto.AttributeType` values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const descriptor = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: { packed: false } },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: { rule: 'repeated', type: 'double', id: 10, options: { packed: true } },
            uint64Data: { rule: 'repeated', type: 'uint64', id: 11, options: { packed: true } },
            docString: { type: 'string', id: 12 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          fields: {
            tensorType: { type: 'TensorTypeProto', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
        },
        TensorTypeProto: {
          fields: {
            elemType: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: { packed: false } },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: { packed: false } },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            refAttrName: { type: 'string', id: 21 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

let root: protobuf.Root | null = null;

/** The `onnx.ModelProto` reflection type (built on first use; nothing runs at module load). */
export function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(descriptor);
  return root.lookupType('onnx.ModelProto');
}

/** A protobuf int64 as protobufjs decodes it: a number, or a `Long` when long.js is present. */
export type Int64Like = number | { low: number; high: number; unsigned?: boolean } | string;

/** Plain decoded shapes of the messages (what protobufjs yields; every field optional). */
export interface StringEntry {
  key?: string;
  value?: string;
}
export interface OpsetId {
  domain?: string;
  version?: Int64Like;
}
export interface TensorMsg {
  dims?: Int64Like[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: Int64Like[];
  name?: string;
  rawData?: Uint8Array;
  doubleData?: number[];
  uint64Data?: Int64Like[];
  docString?: string;
  externalData?: StringEntry[];
  dataLocation?: number;
}
export interface DimensionMsg {
  dimValue?: Int64Like;
  dimParam?: string;
  denotation?: string;
}
export interface TypeMsg {
  tensorType?: { elemType?: number; shape?: { dim?: DimensionMsg[] } };
  denotation?: string;
}
export interface ValueInfoMsg {
  name?: string;
  type?: TypeMsg;
  docString?: string;
}
export interface AttributeMsg {
  name?: string;
  f?: number;
  i?: Int64Like;
  s?: Uint8Array;
  t?: TensorMsg;
  floats?: number[];
  ints?: Int64Like[];
  strings?: Uint8Array[];
  docString?: string;
  type?: number;
  refAttrName?: string;
}
export interface NodeMsg {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttributeMsg[];
  docString?: string;
  domain?: string;
}
export interface GraphMsg {
  node?: NodeMsg[];
  name?: string;
  initializer?: TensorMsg[];
  docString?: string;
  input?: ValueInfoMsg[];
  output?: ValueInfoMsg[];
  valueInfo?: ValueInfoMsg[];
}
export interface ModelMsg {
  irVersion?: Int64Like;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64Like;
  docString?: string;
  graph?: GraphMsg;
  opsetImport?: OpsetId[];
  metadataProps?: StringEntry[];
}

/** Decodes ModelProto bytes into a plain message (throws protobufjs errors on malformed input). */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  const t = modelType();
  const msg = t.decode(bytes);
  return msg as unknown as ModelMsg;
}

/** Encodes a plain ModelProto message (fields written in field-number order, deterministic). */
export function encodeModel(model: ModelMsg): Uint8Array {
  const t = modelType();
  const bytes = t.encode(t.fromObject(model)).finish();
  // protobufjs may return a Buffer view of a pooled slab; return an exact, unshared copy.
  return new Uint8Array(bytes);
}

/**
 * Converts a decoded int64 to a JavaScript number, or returns null when it is not a safe integer
 * (|v| > 2^53 − 1).
 */
export function int64ToNumber(v: Int64Like | undefined | null): number | null {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v)) return null;
    const b = BigInt(v);
    return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(b)
      : null;
  }
  const lo = BigInt(v.low >>> 0);
  const hi = BigInt(v.high >>> 0);
  let b = (hi << 32n) | lo;
  if (!v.unsigned && (v.high & 0x80000000) !== 0) b -= 1n << 64n;
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(b)
    : null;
}
