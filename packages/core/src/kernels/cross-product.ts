/**
 * Fast float64 cross products `C += (A − 1hₐᵀ)ᵀ (B − 1h_bᵀ)` of two sample-by-unit matrices, fed
 * in row chunks, with per-column statistics on the side: the kernel behind activation similarity
 * (matching) and covariance / Gram matrices (function-class). Products of the (float32 or
 * float64) inputs are formed and accumulated in float64 by WebAssembly SIMD kernels on packed
 * panels, split over worker threads on a shared memory; plain TypeScript kernels on the same
 * layout are the fallback and the reference.
 */
import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { nonFiniteRowsError } from '../tensor/tensor.js';
import { acquireShared, defaultThreads, releaseShared, threadsAvailable } from './threads.js';
import type { SharedKernel, SharedSlot } from './threads.js';
import type { WasmMemory } from './wasm-asm.js';
import { wasmApi } from './wasm-asm.js';
import type { GemmKernel, PackKernel } from './wasm-module.js';
import { MAX_PAGES, MR, NR, UNROLL, gemmModule } from './wasm-module.js';

/** Options of {@link CrossProduct}. */
export interface CrossProductOptions {
  /**
   * Threads to use, the calling one included (default: `NIDKIT_THREADS` or the machine's available
   * parallelism, at most 8). Small problems always run on the calling thread.
   */
  readonly threads?: number;
  /** Samples per internal chunk (default 2048); memory holds one chunk of each input. */
  readonly chunkRows?: number;
  /** `false` forces the plain TypeScript kernels (default: WebAssembly SIMD where available). */
  readonly simd?: boolean;
  /** Accumulate `AᵀA` from one input (`n` must equal `m`; only half the products are formed). */
  readonly symmetric?: boolean;
  /** How errors name the inputs (default `CrossProduct.add: A` / `… B`). */
  readonly names?: readonly [string, string?];
}

/** Per-column statistics of everything added (see {@link CrossProduct.columnStats}). */
export interface ColumnStats {
  /** Σ (x − shift) per column. */
  readonly sum: Float64Array;
  /** Σ (x − shift)² per column. */
  readonly sumSq: Float64Array;
  /** Smallest raw value per column (+∞ before any sample). */
  readonly min: Float64Array;
  /** Largest raw value per column (−∞ before any sample). */
  readonly max: Float64Array;
}

/** Below this many multiply-adds per chunk, the calling thread works alone. */
const PARALLEL_MIN_MACS = 1 << 22;
/**
 * Smallest product that {@link CrossProduct.submit} leaves to the workers: posting the jobs and
 * waking a worker costs ≈0.1 ms, about what the kernel needs for 2²⁰ multiply-adds.
 */
const SUBMIT_MIN_MACS = 1 << 20;
/**
 * Rows per pack call. Each call packs one column group; short calls cost more in call overhead
 * than they gain in locality (16 rows: 15 ms to pack 10,000 × 396 float64, 1,024 rows: 5 ms).
 */
const PACK_ROWS = 1024;
/** Samples per GEMM call (the panels of one call stay in cache). */
const KC = 256;
/** Bytes reserved at offset 0 for the worker flags. */
const HEADER = 64;
const FLAG_SLOTS = 16;
const F_GEMM = 0;
const F_PACK32 = 1;
const F_PACK64 = 2;

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<SharedKernel>((k) => k.close())
    : null;

/** A kernel call: `[function index, ...arguments]` (the pack calls have one argument fewer). */
type Call = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/** Byte offsets of one input's regions in the memory. */
interface Side {
  readonly name: 'A' | 'B';
  /** The input's name in error messages. */
  readonly label: string;
  readonly width: number;
  readonly nPan: number;
  readonly wPad: number;
  /** Packed panels (`nPan` panels of `8 × cap` float64). */
  readonly panels: number;
  /** Staged raw chunk: `cap × wPad` float32 or float64. */
  readonly staging: number;
  readonly shift: number;
  /** Four float64 arrays of `wPad`: sum, sumSq, min, max. */
  readonly stats: number;
}

/**
 * Streaming `C = Σ_chunks (A − 1 shiftAᵀ)ᵀ (B − 1 shiftBᵀ)` for `A` (`N × m`) and `B` (`N × n`),
 * both row-major, in float64, plus per-column sums, sums of squares, minima and maxima:
 * construct, {@link CrossProduct.add} row blocks, read {@link CrossProduct.result} and
 * {@link CrossProduct.columnStats}. Memory is `O(m·n + chunk·(m + n))`, independent of N.
 *
 * @example
 * ```ts
 * const xp = new CrossProduct(512, 512);
 * xp.add(actsA, shiftA, actsB, shiftB, rows); // as many times as there are batches
 * const c = xp.result(); // 512 × 512, row-major
 * xp.dispose();
 * ```
 */
export class CrossProduct {
  /** Columns of A (rows of C). */
  readonly m: number;
  /** Columns of B (columns of C). */
  readonly n: number;
  /** True when accumulating `AᵀA` from one input. */
  readonly symmetric: boolean;
  /** `simd`: the WebAssembly f64x2 kernels; `js`: the plain TypeScript kernels. */
  readonly kernel: 'simd' | 'js';
  /** Threads that share each chunk (1 = the calling thread only). */
  readonly threads: number;

  private readonly cap: number;
  private readonly ldc: number; // float64 entries per row of C
  private readonly offC: number; // byte offset of C
  private readonly sides: Side[];
  private readonly buffer: ArrayBuffer | SharedArrayBuffer;
  private readonly f: Float64Array;
  private readonly gemm: GemmKernel | null;
  private readonly packers: [PackKernel, PackKernel] | null;
  private readonly slot: SharedSlot | null = null;
  private rows = 0;
  private disposed = false;

  /**
   * @param m - columns of A
   * @param n - columns of B (equal to m when `symmetric`)
   * @param options - threads, chunk size, kernel choice, symmetric mode
   * @throws InvalidArgumentError for non-positive sizes, or m ≠ n in symmetric mode
   */
  constructor(m: number, n: number, options: CrossProductOptions = {}) {
    for (const [name, v] of [
      ['m', m],
      ['n', n],
      ['chunkRows', options.chunkRows ?? 2048],
      ['threads', options.threads ?? 1],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1)
        throw new InvalidArgumentError(
          `CrossProduct: ${name} must be a positive integer — expected ≥ 1, got ${v}`,
        );
    }
    this.symmetric = options.symmetric ?? false;
    if (this.symmetric && m !== n)
      throw new InvalidArgumentError(
        `CrossProduct: a symmetric cross product is square — expected n = m = ${m}, got n = ${n}`,
      );
    this.m = m;
    this.n = n;
    const cap = roundUp(options.chunkRows ?? 2048, UNROLL);
    this.cap = cap;
    let bytes = HEADER;
    const take = (size: number): number => {
      const at = bytes;
      bytes += roundUp(size, 64);
      return at;
    };
    const nPanA = Math.ceil(m / MR);
    const nPanB = Math.ceil(n / NR);
    this.ldc = nPanB * NR;
    this.offC = take(8 * nPanA * MR * this.ldc);
    const side = (name: 'A' | 'B', width: number, nPan: number): Side => ({
      name,
      label: options.names?.[name === 'A' ? 0 : 1] ?? `CrossProduct.add: ${name}`,
      width,
      nPan,
      wPad: nPan * 8,
      panels: take(8 * nPan * 8 * cap),
      staging: take(8 * cap * nPan * 8),
      shift: take(8 * nPan * 8),
      stats: take(4 * 8 * nPan * 8),
    });
    this.sides = [side('A', m, nPanA)];
    if (!this.symmetric) this.sides.push(side('B', n, nPanB));

    const api = wasmApi();
    const pages = Math.ceil(bytes / 65536);
    // flags 0 … FLAG_SLOTS−2 are the workers', the last one is the shared job counter
    const wantThreads = Math.min(options.threads ?? defaultThreads(), FLAG_SLOTS);
    const useShared = wantThreads > 1 && threadsAvailable();
    const module = options.simd === false || pages > MAX_PAGES ? null : gemmModule(useShared);
    if (api && module) {
      // with threads, a reused shared memory (see acquireShared); its contents are cleared below
      this.slot = useShared ? acquireShared(api, module, pages, wantThreads - 1, FLAG_SLOTS) : null;
      const memory: WasmMemory =
        this.slot?.memory ??
        (useShared
          ? new api.Memory({ initial: pages, maximum: pages, shared: true })
          : new api.Memory({ initial: pages }));
      const x = this.slot?.exports ?? new api.Instance(module, { env: { mem: memory } }).exports;
      this.gemm = x.k as GemmKernel;
      this.packers = [x.p32 as PackKernel, x.p64 as PackKernel];
      this.buffer = memory.buffer;
      if (this.slot) registry?.register(this, this.slot.kernel, this);
      this.kernel = 'simd';
      this.threads = 1 + (this.shared?.size ?? 0);
    } else {
      this.gemm = null;
      this.packers = null;
      this.buffer = new ArrayBuffer(bytes);
      this.kernel = 'js';
      this.threads = 1;
    }
    this.f = new Float64Array(this.buffer, 0, bytes / 8);
    this.clear();
  }

  /** The workers' side of the shared memory (null: this thread only). */
  private get shared(): SharedKernel | null {
    return this.slot?.kernel ?? null;
  }

  /** Samples accumulated so far. */
  get samples(): number {
    return this.rows;
  }

  /**
   * Adds `rows` samples. `a` is `rows × m` row-major (float32 or float64), `shiftA` (length m, or
   * null for none) is subtracted from every row before the products; likewise `b`/`shiftB`
   * (`rows × n`), which are ignored in symmetric mode. Use the same shifts in every call: the
   * column statistics add up `x − shift`.
   * @throws ShapeMismatchError when an input's length is not `rows × width`
   * @throws NonFiniteError when an input holds NaN or ±∞ (the object is unusable afterwards)
   * @throws InvalidArgumentError after {@link CrossProduct.dispose}
   */
  add(
    a: ArrayLike<number>,
    shiftA: ArrayLike<number> | null,
    b: ArrayLike<number> | null,
    shiftB: ArrayLike<number> | null,
    rows: number,
  ): void {
    this.accumulate(a, shiftA, b, shiftB, rows, false);
  }

  /**
   * As {@link CrossProduct.add}, but with worker threads the multiplication of the last chunk goes
   * on in the workers after the call returns (unless it is too small to be worth posting: below
   * 2²⁰ multiply-adds it is done at once), so the caller can prepare its next rows meanwhile.
   * This thread joins in (takes the work no worker has started, then waits) at the next call of
   * any method. The inputs have been copied when it returns and may be overwritten at once.
   * Without worker threads it is {@link CrossProduct.add}.
   * @throws as {@link CrossProduct.add}
   */
  submit(
    a: ArrayLike<number>,
    shiftA: ArrayLike<number> | null,
    b: ArrayLike<number> | null,
    shiftB: ArrayLike<number> | null,
    rows: number,
  ): void {
    this.accumulate(a, shiftA, b, shiftB, rows, true);
  }

  private accumulate(
    a: ArrayLike<number>,
    shiftA: ArrayLike<number> | null,
    b: ArrayLike<number> | null,
    shiftB: ArrayLike<number> | null,
    rows: number,
    defer: boolean,
  ): void {
    this.settle();
    if (this.disposed)
      throw new InvalidArgumentError('CrossProduct.add: the cross product has been disposed');
    if (!Number.isSafeInteger(rows) || rows < 0)
      throw new InvalidArgumentError(
        `CrossProduct.add: rows must be a non-negative integer — got ${rows}`,
      );
    const inputs: [ArrayLike<number>, ArrayLike<number> | null][] = [[a, shiftA]];
    if (!this.symmetric) inputs.push([b as ArrayLike<number>, shiftB]);
    this.sides.forEach((s, k) => {
      const [x, shift] = inputs[k]!;
      if (x === null || x === undefined || x.length !== rows * s.width)
        throw new ShapeMismatchError(
          s.label,
          [rows, s.width],
          [x ? x.length / s.width : 0, s.width],
        );
      if (shift !== null && shift.length !== s.width)
        throw new ShapeMismatchError(`${s.label} (shift)`, [s.width], [shift.length]);
      const sh = this.f.subarray(s.shift / 8, s.shift / 8 + s.width);
      if (shift === null) sh.fill(0);
      else for (let c = 0; c < s.width; c++) sh[c] = shift[c]!;
    });
    for (let start = 0; start < rows; start += this.cap) {
      const r = Math.min(this.cap, rows - start);
      const kinds = this.sides.map((s, k) => this.stage(inputs[k]![0], start, r, s));
      this.packAll(r, kinds);
      this.sides.forEach((s, k) => this.checkFinite(s, inputs[k]![0], start, r));
      if (r % UNROLL !== 0)
        // an odd chunk gets one zero sample: the GEMM kernel consumes samples in pairs
        for (const s of this.sides)
          for (let g = 0; g < s.nPan; g++) {
            const at = (s.panels + g * 64 * this.cap) / 8 + r * 8;
            this.f.fill(0, at, at + 8);
          }
      this.multiply(roundUp(r, UNROLL), defer && start + r >= rows);
      this.rows += r;
    }
  }

  /** `C` as a new `m × n` row-major Float64Array (symmetric mode: the full mirrored matrix). */
  result(): Float64Array {
    this.settle();
    const { m, n, f, ldc } = this;
    const offC = this.offC / 8;
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = offC + i * ldc;
      if (this.symmetric) {
        for (let j = i; j < n; j++) {
          const v = f[row + j]!;
          out[i * n + j] = v;
          out[j * n + i] = v;
        }
      } else out.set(f.subarray(row, row + n), i * n);
    }
    return out;
  }

  /**
   * Per-column statistics of all samples added: sums and sums of squares of `x − shift`, minima
   * and maxima of `x`, for A (`'A'`) or B (`'B'`; in symmetric mode both name the one input).
   */
  columnStats(which: 'A' | 'B'): ColumnStats {
    this.settle();
    const s = this.sides[which === 'B' && !this.symmetric ? 1 : 0]!;
    const at = (t: number): Float64Array =>
      this.f.slice(s.stats / 8 + t * s.wPad, s.stats / 8 + t * s.wPad + s.width);
    return { sum: at(0), sumSq: at(1), min: at(2), max: at(3) };
  }

  /** Starts over: zeroes C and the column statistics (the memory and threads are kept). */
  reset(): void {
    this.settle();
    this.clear();
  }

  /**
   * Zeroes C, the shifts (their padding columns stay 0) and the column statistics (minima +∞,
   * maxima −∞): a reused memory holds the previous owner's data.
   */
  private clear(): void {
    const f = this.f;
    const offC = this.offC / 8;
    f.fill(0, offC, offC + Math.ceil(this.m / MR) * MR * this.ldc);
    for (const s of this.sides) {
      const w = s.wPad;
      f.fill(0, s.shift / 8, s.shift / 8 + w);
      f.fill(0, s.stats / 8, s.stats / 8 + 2 * w);
      f.fill(Infinity, s.stats / 8 + 2 * w, s.stats / 8 + 3 * w);
      f.fill(-Infinity, s.stats / 8 + 3 * w, s.stats / 8 + 4 * w);
    }
    this.rows = 0;
  }

  /**
   * Hands the memory (with the workers' view of it) back to a pool for the next cross product.
   * Further `add` calls throw. Always dispose: idle workers seldom garbage-collect.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.slot) registry?.unregister(this);
    try {
      this.settle();
    } finally {
      // (a memory whose worker failed is closed, not reused)
      if (this.slot) releaseShared(this.slot);
    }
  }

  /** Copies rows `start … start+r−1` of `x` into the staging area; returns 32 or 64 (bits). */
  private stage(x: ArrayLike<number>, start: number, r: number, s: Side): 32 | 64 {
    const f32 = x instanceof Float32Array && this.packers !== null;
    const { width, wPad } = s;
    const dst = f32
      ? new Float32Array(this.buffer, s.staging, r * wPad)
      : new Float64Array(this.buffer, s.staging, r * wPad);
    const typed = x instanceof Float32Array || x instanceof Float64Array;
    if (typed && width === wPad) {
      dst.set(x.subarray(start * width, (start + r) * width));
    } else if (typed) {
      for (let i = 0; i < r; i++) {
        const o = (start + i) * width;
        dst.set(x.subarray(o, o + width), i * wPad);
        dst.fill(0, i * wPad + width, (i + 1) * wPad);
      }
    } else {
      for (let i = 0; i < r; i++) {
        const o = (start + i) * width;
        for (let c = 0; c < width; c++) dst[i * wPad + c] = x[o + c]!;
        dst.fill(0, i * wPad + width, (i + 1) * wPad);
      }
    }
    return f32 ? 32 : 64;
  }

  /** Packs the staged chunks into panels (with statistics), shared among the threads. */
  private packAll(r: number, bits: (32 | 64)[]): void {
    // one job per side and column group: its rows in blocks of PACK_ROWS
    const jobs: number[][][] = [];
    this.sides.forEach((s, k) => {
      const srcRow = s.wPad * (bits[k]! / 8);
      for (let g = 0; g < s.nPan; g++) {
        const calls: number[][] = [];
        for (let r0 = 0; r0 < r; r0 += PACK_ROWS)
          calls.push([
            bits[k] === 32 ? F_PACK32 : F_PACK64,
            s.staging + r0 * srcRow,
            s.panels + r0 * 64,
            Math.min(PACK_ROWS, r - r0),
            srcRow,
            64 * this.cap,
            s.shift,
            s.stats,
            s.wPad,
            g,
            g + 1,
          ]);
        jobs.push(calls);
      }
    });
    if (!this.packers) {
      for (const c of jobs.flat()) this.jsPack(c);
      return;
    }
    const total = this.sides.reduce((t, s) => t + s.nPan, 0);
    if (!this.shared || r * total * 8 < 1 << 16) {
      for (const job of jobs) this.runLocal(job);
      return;
    }
    this.shared.run(jobs, (job) => this.runLocal(job));
  }

  private runLocal(calls: number[][]): void {
    const gemm = this.gemm!;
    const [p32, p64] = this.packers!;
    for (const c of calls) {
      if (c[0] === F_GEMM)
        gemm(c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!);
      else
        (c[0] === F_PACK32 ? p32 : p64)(
          c[1]!,
          c[2]!,
          c[3]!,
          c[4]!,
          c[5]!,
          c[6]!,
          c[7]!,
          c[8]!,
          c[9]!,
          c[10]!,
        );
    }
  }

  /** Throws NonFiniteError, naming the first bad entry, when a column's min or max is not finite. */
  private checkFinite(s: Side, x: ArrayLike<number>, start: number, r: number): void {
    const f = this.f;
    const lo = s.stats / 8 + 2 * s.wPad;
    const hi = s.stats / 8 + 3 * s.wPad;
    let bad = false;
    for (let c = 0; c < s.width && !bad; c++)
      if (!Number.isFinite(f[lo + c]!) || !Number.isFinite(f[hi + c]!)) bad = true;
    if (bad) throw nonFiniteRowsError(s.label, x, s.width, start, r);
  }

  /** Finishes a multiplication left running by {@link CrossProduct.submit}. */
  private settle(): void {
    if (this.shared?.busy) this.shared.join((job) => this.runLocal(job));
  }

  /**
   * `C += Apanelsᵀ Bpanels` over `kcTotal` packed samples, split over the threads; with `defer`
   * the workers may still be at it on return (see {@link CrossProduct.submit}).
   */
  private multiply(kcTotal: number, defer: boolean): void {
    const [sa, sb] = [this.sides[0]!, this.sides[this.sides.length - 1]!];
    const sym = this.symmetric ? 1 : 0;
    const stride = 64 * this.cap;
    const calls = (jb0: number, jb1: number): number[][] => {
      const out: number[][] = [];
      for (let p0 = 0; p0 < kcTotal; p0 += KC) {
        const kc = Math.min(KC, kcTotal - p0);
        out.push([
          F_GEMM,
          sa.panels + p0 * MR * 8,
          sb.panels + p0 * NR * 8,
          this.offC,
          sa.nPan,
          jb0,
          jb1,
          kc,
          stride,
          stride,
          this.ldc * 8,
          sym,
        ]);
      }
      return out;
    };
    if (!this.gemm) {
      for (const c of calls(0, sb.nPan)) this.jsGemm(c);
      return;
    }
    // a small product is not worth splitting; submit hands smaller ones to the workers, so that
    // this thread is free, down to where posting them costs more than computing them here
    const macs = this.m * this.n * kcTotal;
    if (!this.shared || macs < (defer ? SUBMIT_MIN_MACS : PARALLEL_MIN_MACS)) {
      this.runLocal(calls(0, sb.nPan));
      return;
    }
    // one job per B panel (all sample blocks), taken by whichever thread is free
    const jobs: number[][][] = [];
    // (largest first: in the symmetric case panel jb costs jb + 1 tiles)
    for (let jb = sb.nPan - 1; jb >= 0; jb--) jobs.push(calls(jb, jb + 1));
    if (defer) this.shared.start(jobs);
    else this.shared.run(jobs, (job) => this.runLocal(job));
  }

  /** The reference pack on the same layout (arguments as the `p32`/`p64` calls). */
  private jsPack(c: number[]): void {
    const [fn, src, dst, rows, srcRow, stride, shift, stats, wpad, g0, g1] = c as Call;
    const el = fn === F_PACK32 ? 4 : 8;
    const x = el === 4 ? new Float32Array(this.buffer) : new Float64Array(this.buffer);
    const f = this.f;
    for (let g = g0; g < g1; g++)
      for (let q = 0; q < 8; q++) {
        const col = g * 8 + q;
        const h = f[shift / 8 + col]!;
        const st = stats / 8 + col;
        for (let r = 0; r < rows; r++) {
          const v = x[(src + r * srcRow) / el + col]!;
          const d = v - h;
          f[(dst + g * stride) / 8 + r * 8 + q] = d;
          f[st] = f[st]! + d;
          f[st + wpad] = f[st + wpad]! + d * d;
          // NaN sticks in min and max, as with the SIMD kernel's f64x2.min/max
          if (v < f[st + 2 * wpad]! || v !== v) f[st + 2 * wpad] = v;
          if (v > f[st + 3 * wpad]! || v !== v) f[st + 3 * wpad] = v;
        }
      }
  }

  /** The reference GEMM on the packed layout (arguments as the `k` calls, see wasm-module.ts). */
  private jsGemm(c: number[]): void {
    const f = this.f;
    const [, a, b, cc, nPanA, jb0, jb1, kc, sa, sb, ldc, sym] = c as Call;
    for (let jb = jb0; jb < jb1; jb++) {
      const ibEnd = sym ? jb + 1 : nPanA;
      for (let ib = 0; ib < ibEnd; ib++) {
        const ap = (a + ib * sa) / 8;
        const bp = (b + jb * sb) / 8;
        for (let ii = 0; ii < MR; ii++) {
          const row = (cc + (ib * MR + ii) * ldc) / 8 + jb * NR;
          for (let jj = 0; jj < NR; jj++) {
            let s = 0;
            for (let p = 0; p < kc; p++) s += f[ap + p * MR + ii]! * f[bp + p * NR + jj]!;
            f[row + jj] = f[row + jj]! + s;
          }
        }
      }
    }
  }
}
