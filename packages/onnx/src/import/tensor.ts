/**
 * Decoding of ONNX `TensorProto`s into constants: float32 from `raw_data` (copied, little-endian)
 * or `float_data`; DOUBLE/FLOAT16 converted with a warning; INT64 through a safe-integer check;
 * dims checked (safe, ≥ 0, product = element count = byte length) before anything is allocated.
 */
import { OnnxImportError } from '../errors.js';
import type { Int64Like, TensorMsg } from '../proto/schema.js';
import { DataType, int64ToNumber } from '../proto/schema.js';
import { readExternal } from './external.js';
import type { ConstValue } from './values.js';

/** Context of tensor decoding. */
export interface TensorContext {
  /** Folder for external data; null when the model was loaded from bytes without `baseDir`. */
  readonly baseDir: string | null;
  /** Collects non-fatal findings (dtype conversions). */
  readonly warnings: string[];
}

const ELEMENT_SIZE: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
};

const TYPE_NAME: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k]),
);

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Dims of a tensor as safe non-negative integers. */
export function decodeDims(name: string, dims: readonly Int64Like[] | undefined): number[] {
  return (dims ?? []).map((d, i) => {
    const v = int64ToNumber(d);
    if (v === null || v < 0) {
      throw new OnnxImportError(
        `importOnnx: tensor "${name}" has an invalid dimension ${i} — expected a non-negative integer ≤ 2^53 − 1, got ${v === null ? 'a value beyond 2^53 − 1' : v}`,
        { tensor: name },
      );
    }
    return v;
  });
}

/**
 * Decodes a TensorProto into a {@link ConstValue}.
 * @throws OnnxImportError naming the tensor (bad dims, size mismatch, unsupported data type, unsafe external data)
 */
export function decodeTensor(t: TensorMsg, ctx: TensorContext, fallbackName: string): ConstValue {
  const name = t.name || fallbackName;
  const fail = (what: string): never => {
    throw new OnnxImportError(`importOnnx: tensor "${name}" ${what}`, { tensor: name });
  };
  const dims = decodeDims(name, t.dims);
  const type = t.dataType ?? 0;
  const elSize = ELEMENT_SIZE[type];
  if (elSize === undefined)
    fail(
      `has unsupported data type ${TYPE_NAME[type] ?? type} — expected FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT8, UINT8 or BOOL`,
    );
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (!Number.isSafeInteger(count))
      fail(`declares dims [${dims.join(', ')}] whose element count exceeds 2^53 − 1`);
  }
  let raw: Uint8Array | null = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataLocation === 1) {
    if (ctx.baseDir === null) {
      fail(
        'stores its data externally — expected inline data, or load the model from a path (or pass baseDir)',
      );
    }
    const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location') ?? '';
    const offset = entries.has('offset') ? Number(entries.get('offset')) : 0;
    const length = entries.has('length') ? Number(entries.get('length')) : null;
    if (!Number.isSafeInteger(count * elSize!)) fail('is too large');
    raw = readExternal(name, { location, offset, length }, ctx.baseDir!, count * elSize!);
  }
  const kind: ConstValue['kind'] =
    type === DataType.FLOAT || type === DataType.DOUBLE || type === DataType.FLOAT16
      ? 'float'
      : type === DataType.BOOL
        ? 'bool'
        : 'int';
  if (raw) {
    if (raw.length !== count * elSize!) {
      fail(
        `has raw_data of the wrong size — expected ${count * elSize!} bytes for dims [${dims.join(', ')}] of ${TYPE_NAME[type]}, got ${raw.length}`,
      );
    }
    // Copy first: the protobuf byte offset is usually not aligned for the element type.
    const bytes = new Uint8Array(raw); // a copy (Buffer#slice would share memory), offset 0
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (type) {
      case DataType.FLOAT: {
        // `bytes` is a fresh copy at offset 0, hence aligned; view it directly on little-endian hosts.
        if (LITTLE_ENDIAN)
          return { kind, shape: dims, data: new Float32Array(bytes.buffer, 0, count) };
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
        return { kind, shape: dims, data: out };
      }
      case DataType.DOUBLE: {
        ctx.warnings.push(`tensor "${name}": DOUBLE data converted to float32`);
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
        return { kind, shape: dims, data: out };
      }
      case DataType.FLOAT16: {
        ctx.warnings.push(`tensor "${name}": FLOAT16 data converted to float32`);
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
        return { kind, shape: dims, data: out };
      }
      case DataType.BOOL: {
        for (let i = 0; i < count; i++) if (bytes[i] !== 0) bytes[i] = 1;
        return { kind, shape: dims, data: bytes };
      }
      default: {
        const out = new Float64Array(count);
        for (let i = 0; i < count; i++) {
          const o = i * elSize!;
          let v: number;
          switch (type) {
            case DataType.INT64:
            case DataType.UINT64: {
              const b =
                type === DataType.INT64 ? view.getBigInt64(o, true) : view.getBigUint64(o, true);
              if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER))
                fail(`entry ${i} is beyond 2^53 − 1`);
              v = Number(b);
              break;
            }
            case DataType.INT32:
              v = view.getInt32(o, true);
              break;
            case DataType.UINT32:
              v = view.getUint32(o, true);
              break;
            case DataType.INT16:
              v = view.getInt16(o, true);
              break;
            case DataType.UINT16:
              v = view.getUint16(o, true);
              break;
            case DataType.INT8:
              v = view.getInt8(o);
              break;
            default:
              v = view.getUint8(o);
          }
          out[i] = v;
        }
        return { kind, shape: dims, data: out };
      }
    }
  }
  const typed = (arr: readonly unknown[] | undefined, field: string): readonly unknown[] => {
    const a = arr ?? [];
    if (a.length !== count)
      fail(`has ${a.length} entries in ${field} — expected ${count} for dims [${dims.join(', ')}]`);
    return a;
  };
  switch (type) {
    case DataType.FLOAT:
      return {
        kind,
        shape: dims,
        data: Float32Array.from(typed(t.floatData, 'float_data') as number[]),
      };
    case DataType.DOUBLE:
      ctx.warnings.push(`tensor "${name}": DOUBLE data converted to float32`);
      return {
        kind,
        shape: dims,
        data: Float32Array.from(typed(t.doubleData, 'double_data') as number[]),
      };
    case DataType.FLOAT16:
      ctx.warnings.push(`tensor "${name}": FLOAT16 data converted to float32`);
      return {
        kind,
        shape: dims,
        data: Float32Array.from(typed(t.int32Data, 'int32_data') as number[], (h) =>
          halfToFloat(h & 0xffff),
        ),
      };
    case DataType.BOOL:
      return {
        kind,
        shape: dims,
        data: Uint8Array.from(typed(t.int32Data, 'int32_data') as number[], (b) =>
          b !== 0 ? 1 : 0,
        ),
      };
    case DataType.INT64:
    case DataType.UINT64: {
      const src = typed(
        type === DataType.INT64 ? t.int64Data : t.uint64Data,
        type === DataType.INT64 ? 'int64_data' : 'uint64_data',
      ) as Int64Like[];
      return {
        kind,
        shape: dims,
        data: Float64Array.from(src, (x, i) => {
          const v = int64ToNumber(x);
          return v === null ? fail(`entry ${i} is beyond 2^53 − 1`) : v;
        }),
      };
    }
    case DataType.UINT32:
      return {
        kind,
        shape: dims,
        data: Float64Array.from(
          typed(t.uint64Data, 'uint64_data') as Int64Like[],
          (x) => int64ToNumber(x) ?? NaN,
        ),
      };
    default:
      return {
        kind,
        shape: dims,
        data: Float64Array.from(typed(t.int32Data, 'int32_data') as number[]),
      };
  }
}
