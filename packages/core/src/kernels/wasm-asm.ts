/**
 * A small WebAssembly assembler for nidkit's SIMD kernels (core's cross product, function-class's
 * eigensolver): LEB128 numbers, sections, the handful of instructions the kernels use, function
 * bodies and whole modules that import one memory `env.mem`. Kernels are written as byte arrays
 * so that no build step or binary file is needed; nothing is assembled on import.
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [
  id,
  ...uleb(body.length),
  ...body,
];
/** A name: length, ASCII bytes. */
export const str = (s: string): number[] => [
  ...uleb(s.length),
  ...[...s].map((c) => c.charCodeAt(0)),
];

// --- instructions -------------------------------------------------------------------------------
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_GE_S = 0x4e;
export const I32_GE_U = 0x4f;
export const SELECT = 0x1b;
export const F64_ADD = 0xa0;
export const F64_SUB = 0xa1;
export const F64_MUL = 0xa2;
/** `f64.load` / `f64.store` at a constant offset (8-byte alignment). */
export const f64load = (off: number): number[] => [0x2b, 3, ...uleb(off)];
export const f64store = (off: number): number[] => [0x39, 3, ...uleb(off)];
/** `v128.load` / `v128.store` at a constant offset; `align` is log2 of the alignment hint. */
export const vload = (off: number, align = 3): number[] => [0xfd, 0x00, align, ...uleb(off)];
export const vstore = (off: number, align = 3): number[] => [0xfd, 0x0b, align, ...uleb(off)];
/** `v128.load64_splat`: one float64 into both lanes. */
export const load64Splat = (off: number): number[] => [0xfd, 0x0a, 3, ...uleb(off)];
/** `v128.load64_zero`: 8 bytes into the low half (two float32 for a promote). */
export const load64Zero = (off: number): number[] => [0xfd, ...uleb(0x5d), 3, ...uleb(off)];
/** `v128.const 0`. */
export const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
/** `f64x2.extract_lane l`. */
export const lane = (l: number): number[] => [0xfd, 0x21, l];
export const F64X2_PROMOTE_LOW_F32X4 = [0xfd, ...uleb(0x5f)];
export const F64X2_ADD = [0xfd, ...uleb(0xf0)];
export const F64X2_SUB = [0xfd, ...uleb(0xf1)];
export const F64X2_MUL = [0xfd, ...uleb(0xf2)];
export const F64X2_MIN = [0xfd, ...uleb(0xf4)];
export const F64X2_MAX = [0xfd, ...uleb(0xf5)];
/** `i32.atomic.load` / `i32.atomic.store` / `i32.atomic.rmw.cmpxchg` (threads; 4-byte aligned). */
export const i32AtomicLoad = (off: number): number[] => [0xfe, 0x10, 2, ...uleb(off)];
export const i32AtomicStore = (off: number): number[] => [0xfe, 0x17, 2, ...uleb(off)];
export const i32AtomicCmpxchg = (off: number): number[] => [0xfe, 0x48, 2, ...uleb(off)];
export const i32load = (off: number): number[] => [0x28, 2, ...uleb(off)];
/** `call f` (function index in the module). */
export const call = (f: number): number[] => [0x10, ...uleb(f)];
export const I32_NE = 0x47;
export const I32_LT_S = 0x48;
/** `block` + `loop` (empty block types); close both with {@link END_END}. */
export const BLOCK_LOOP = [0x02, 0x40, 0x03, 0x40];
export const END_END = [0x0b, 0x0b];

/** A code buffer and `e(...)`, which appends opcodes and instruction byte arrays to it. */
export function emitter(): { code: number[]; e: (...parts: (number | number[])[]) => void } {
  const code: number[] = [];
  const e = (...parts: (number | number[])[]): void => {
    for (const x of parts) {
      if (typeof x === 'number') code.push(x);
      else code.push(...x);
    }
  };
  return { code, e };
}

/**
 * A function body: local declarations (`[count, type]` groups, after the parameters), the code
 * (which must end with `end`), size-prefixed.
 */
export function functionBody(
  locals: readonly (readonly [number, number])[],
  code: number[],
): number[] {
  const decl = [...uleb(locals.length), ...locals.flatMap(([n, t]) => [...uleb(n), t])];
  return [...uleb(decl.length + code.length), ...decl, ...code];
}

/** What {@link assembleModule} builds. */
export interface ModuleSpec {
  /** Function types: the parameter types of each (no results). */
  readonly types: readonly (readonly number[])[];
  /** The memory import `env.mem`: shared (declares a maximum of `maxPages`) or not. */
  readonly memory: { readonly shared: boolean; readonly maxPages?: number };
  /** One function per entry: its type index, export name and body ({@link functionBody}). */
  readonly functions: readonly {
    readonly type: number;
    readonly name: string;
    readonly body: number[];
  }[];
}

/** The bytes of a module that imports `env.mem` and exports every function by name. */
export function assembleModule(spec: ModuleSpec): Uint8Array {
  const type = section(1, [
    ...uleb(spec.types.length),
    ...spec.types.flatMap((params) => [0x60, ...uleb(params.length), ...params, 0]),
  ]);
  const limits = spec.memory.shared
    ? [0x03, ...uleb(1), ...uleb(spec.memory.maxPages ?? 65536)]
    : [0x00, ...uleb(1)];
  const imp = section(2, [1, ...str('env'), ...str('mem'), 0x02, ...limits]);
  const fns = spec.functions;
  const func = section(3, [...uleb(fns.length), ...fns.flatMap((f) => uleb(f.type))]);
  const exp = section(7, [
    ...uleb(fns.length),
    ...fns.flatMap((f, i) => [...str(f.name), 0x00, ...uleb(i)]),
  ]);
  const code = section(10, [...uleb(fns.length), ...fns.flatMap((f) => f.body)]);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...type,
    ...imp,
    ...func,
    ...exp,
    ...code,
  ]);
}

/** The subset of the WebAssembly API nidkit uses (the packages compile without DOM typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The global WebAssembly API, if any. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}
