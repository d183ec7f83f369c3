/**
 * A WebAssembly SIMD (f64x2) kernel for the cross product `C += Aᵀ B` on the transposed chunk
 * layout of {@link addCrossProduct}: `at` is `m × stride` and `bt` is `n × stride` (row p = one
 * unit over the chunk's samples, zero-padded to a multiple of 4), `c` is `m × n`, all float64 in
 * one WebAssembly memory. The module is assembled from bytes on first use (nothing happens on
 * import); when WebAssembly SIMD is unavailable, callers fall back to the plain JS kernel.
 * @internal
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
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

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

// Parameters: at, bt, c (byte offsets), m4 (rows, multiple of 4), n2 (columns, multiple of 2),
// stride (bytes per row of at/bt), ldc (bytes per row of c), p0, p1 (byte range within a row).
const P = { at: 0, bt: 1, c: 2, m4: 3, n2: 4, stride: 5, ldc: 6, p0: 7, p1: 8 } as const;
const L = {
  i: 9,
  j: 10,
  p: 11,
  ra0: 12,
  ra1: 13,
  ra2: 14,
  ra3: 15,
  rb0: 16,
  rb1: 17,
  pc: 18,
} as const;
const ACC = 19; // 8 v128 accumulators: 19..26
const A = 27; // a0..a3: 27..30
const B = 31; // b0, b1: 31, 32

const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const i32c = (v: number): number[] => [0x41, ...sleb(v)];
const ADD = 0x6a;
const MUL = 0x6c;
const GE_S = 0x4e;
const v128load = (offset = 0): number[] => [0xfd, ...uleb(0x00), 3, ...uleb(offset)];
const f64load = (offset: number): number[] => [0x2b, 3, ...uleb(offset)];
const f64store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];
const f64x2add = [0xfd, ...uleb(0xf0)];
const f64x2mul = [0xfd, ...uleb(0xf2)];
const lane = (k: number): number[] => [0xfd, ...uleb(0x21), k];
const v128zero = [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const F64ADD = 0xa0;

function body(): number[] {
  const code: number[] = [];
  const emit = (...parts: (number | number[])[]): void => {
    for (const x of parts) {
      if (typeof x === 'number') code.push(x);
      else code.push(...x);
    }
  };
  // i = 0
  emit(i32c(0), set(L.i));
  emit(0x02, 0x40, 0x03, 0x40); // block, loop (i)
  emit(get(L.i), get(P.m4), GE_S, 0x0d, 1); // br_if exit-i
  // ra0 = at + i*stride; ra1..3 = +stride
  emit(get(P.at), get(L.i), get(P.stride), MUL, ADD, set(L.ra0));
  emit(get(L.ra0), get(P.stride), ADD, set(L.ra1));
  emit(get(L.ra1), get(P.stride), ADD, set(L.ra2));
  emit(get(L.ra2), get(P.stride), ADD, set(L.ra3));
  emit(i32c(0), set(L.j));
  emit(0x02, 0x40, 0x03, 0x40); // block, loop (j)
  emit(get(L.j), get(P.n2), GE_S, 0x0d, 1);
  emit(get(P.bt), get(L.j), get(P.stride), MUL, ADD, set(L.rb0));
  emit(get(L.rb0), get(P.stride), ADD, set(L.rb1));
  for (let k = 0; k < 8; k++) emit(v128zero, set(ACC + k));
  emit(get(P.p0), set(L.p));
  emit(0x02, 0x40, 0x03, 0x40); // block, loop (p)
  emit(get(L.p), get(P.p1), GE_S, 0x0d, 1);
  const rows = [L.ra0, L.ra1, L.ra2, L.ra3];
  // Two sample pairs per iteration (unrolled via the load offset immediate).
  for (const off of [0, 16]) {
    rows.forEach((r, k) => emit(get(r), get(L.p), ADD, v128load(off), set(A + k)));
    emit(get(L.rb0), get(L.p), ADD, v128load(off), set(B));
    emit(get(L.rb1), get(L.p), ADD, v128load(off), set(B + 1));
    for (let ii = 0; ii < 4; ii++) {
      for (let jj = 0; jj < 2; jj++) {
        const acc = ACC + ii * 2 + jj;
        emit(get(acc), get(A + ii), get(B + jj), f64x2mul, f64x2add, set(acc));
      }
    }
  }
  emit(get(L.p), i32c(32), ADD, set(L.p));
  emit(0x0c, 0); // br loop (p)
  emit(0x0b, 0x0b); // end loop, end block (p)
  // pc = c + i*ldc + j*8
  emit(get(P.c), get(L.i), get(P.ldc), MUL, ADD, get(L.j), i32c(8), MUL, ADD, set(L.pc));
  for (let ii = 0; ii < 4; ii++) {
    for (let jj = 0; jj < 2; jj++) {
      const acc = ACC + ii * 2 + jj;
      // c[pc + 8jj] = c[pc + 8jj] + lane0 + lane1
      emit(
        get(L.pc),
        get(L.pc),
        f64load(8 * jj),
        get(acc),
        lane(0),
        F64ADD,
        get(acc),
        lane(1),
        F64ADD,
        f64store(8 * jj),
      );
    }
    emit(get(L.pc), get(P.ldc), ADD, set(L.pc));
  }
  emit(get(L.j), i32c(2), ADD, set(L.j));
  emit(0x0c, 0); // br loop (j)
  emit(0x0b, 0x0b);
  emit(get(L.i), i32c(4), ADD, set(L.i));
  emit(0x0c, 0); // br loop (i)
  emit(0x0b, 0x0b);
  emit(0x0b); // end function
  const locals = [2, ...uleb(10), I32, ...uleb(14), V128];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const type = section(1, [1, 0x60, 9, ...new Array<number>(9).fill(I32), 0]);
  const imp = section(2, [1, ...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]);
  const func = section(3, [1, 0]);
  const exp = section(7, [1, ...str('k'), 0x00, 0]);
  const code = section(10, [1, ...body()]);
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

/** The subset of the WebAssembly API used here (the package compiles without DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

type KernelFn = (
  at: number,
  bt: number,
  c: number,
  m4: number,
  n2: number,
  stride: number,
  ldc: number,
  p0: number,
  p1: number,
) => void;

let compiled: object | null | undefined;

function compile(): object | null {
  if (compiled === undefined) {
    try {
      const api = wasmApi();
      const bytes = moduleBytes();
      compiled = api && api.validate(bytes) ? new api.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A cross-product workspace in WebAssembly memory: `C` (`m × n`) and chunk buffers `at`, `bt`. */
export interface WasmCrossWorkspace {
  readonly c: Float64Array;
  readonly at: Float64Array;
  readonly bt: Float64Array;
  /** Row stride (elements) of `at` and `bt`: the chunk capacity rounded up to a multiple of 4. */
  readonly stride: number;
  /** `C += Aᵀ B` over the first `rows` samples of the chunk (rows ≤ stride; entries rows..⌈rows/4⌉·4−1 must be 0). */
  add(rows: number): void;
}

/**
 * Allocates a workspace for `m × n` cross products over chunks of up to `capacity` samples, or
 * returns null when WebAssembly SIMD is not available.
 * @internal
 */
export function createWasmCrossWorkspace(
  m: number,
  n: number,
  capacity: number,
): WasmCrossWorkspace | null {
  const mod = compile();
  if (!mod) return null;
  const stride = Math.ceil(capacity / 4) * 4;
  const bytesC = m * n * 8;
  const bytesA = m * stride * 8;
  const bytesB = n * stride * 8;
  const total = bytesC + bytesA + bytesB;
  if (total > 2 ** 31 - 65536) return null;
  const api = wasmApi()!;
  const memory = new api.Memory({ initial: Math.ceil(total / 65536) });
  const instance = new api.Instance(mod, { env: { mem: memory } });
  const kernel = instance.exports.k as KernelFn;
  const c = new Float64Array(memory.buffer, 0, m * n);
  const at = new Float64Array(memory.buffer, bytesC, m * stride);
  const bt = new Float64Array(memory.buffer, bytesC + bytesA, n * stride);
  const m4 = m - (m % 4);
  const n2 = n - (n % 2);
  const KB = 512;
  return {
    c,
    at,
    bt,
    stride,
    add(rows: number): void {
      const kp = Math.ceil(rows / 4) * 4;
      for (let p0 = 0; p0 < kp; p0 += KB) {
        const p1 = Math.min(kp, p0 + KB);
        kernel(bytesC, bytesC + bytesA, 0, m4, n2, stride * 8, n * 8, p0 * 8, p1 * 8);
      }
      // Edges: rows i ≥ m4 against every column, columns j ≥ n2 against rows < m4.
      for (let i = 0; i < m; i++) {
        const jStart = i < m4 ? n2 : 0;
        const ai = i * stride;
        for (let j = jStart; j < n; j++) {
          const bj = j * stride;
          let s = 0;
          for (let p = 0; p < rows; p++) s += at[ai + p]! * bt[bj + p]!;
          c[i * n + j]! += s;
        }
      }
    },
  };
}
