import { InvalidArgumentError } from '../errors.js';
import { fnv1a64, splitMix64 } from './splitmix64.js';

/** A label of a random stream: a seed, a purpose such as `'mask'`, or an index such as a layer. */
export type StreamLabel = string | number | bigint;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * nidkit's seeded generator: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64.
 *
 * Streams are *derived*, never consumed in sequence: `Rng.stream(seed, 'mask', l)` hashes its
 * labels (FNV-1a 64 of their canonical JSON, then SplitMix64) into a fresh generator, so e.g.
 * layer 2's mask does not depend on how many numbers layer 1 drew. `fork(label)` derives a child
 * stream from this stream's labels (not from its consumed state).
 *
 * Uniform doubles use the top 53 bits of each 64-bit output; normals use the Box–Muller transform
 * with both outputs; permutations use Fisher–Yates. The 64-bit state is kept as eight uint32
 * halves so that every step runs on plain numbers. Stream version: 1.
 */
export class Rng {
  /** The labels this stream was derived from (seed first). */
  readonly labels: readonly StreamLabel[];
  // xoshiro256** state: s0..s3 as (hi, lo) uint32 pairs
  private h0 = 0;
  private l0 = 0;
  private h1 = 0;
  private l1 = 0;
  private h2 = 0;
  private l2 = 0;
  private h3 = 0;
  private l3 = 0;
  private spare: number | null = null;

  private constructor(labels: readonly StreamLabel[], words: readonly bigint[]) {
    this.labels = Object.freeze([...labels]);
    const [a, b, c, d] = words as [bigint, bigint, bigint, bigint];
    this.h0 = Number(a >> 32n);
    this.l0 = Number(a & 0xffffffffn);
    this.h1 = Number(b >> 32n);
    this.l1 = Number(b & 0xffffffffn);
    this.h2 = Number(c >> 32n);
    this.l2 = Number(c & 0xffffffffn);
    this.h3 = Number(d >> 32n);
    this.l3 = Number(d & 0xffffffffn);
  }

  /**
   * The generator for stream `(seed, ...labels)`.
   * @param seed - a non-negative safe integer or bigint
   * @param labels - purpose and indices, e.g. `'mask', 2`
   */
  static stream(seed: number | bigint, ...labels: StreamLabel[]): Rng {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new InvalidArgumentError(
        `Rng.stream: seed must be a non-negative safe integer, got ${seed}`,
      );
    }
    if (typeof seed === 'bigint' && seed < 0n) {
      throw new InvalidArgumentError(`Rng.stream: seed must be non-negative, got ${seed}`);
    }
    return Rng.fromLabels([seed, ...labels]);
  }

  /** Seeds the generator directly with four 64-bit words (for tests against reference vectors). */
  static fromState(words: readonly [bigint, bigint, bigint, bigint]): Rng {
    if (words.every((w) => w === 0n))
      throw new InvalidArgumentError('Rng.fromState: the all-zero state is invalid');
    return new Rng(['state'], words);
  }

  private static fromLabels(labels: readonly StreamLabel[]): Rng {
    const key = JSON.stringify(labels.map((l) => (typeof l === 'bigint' ? `${l}n` : l)));
    let state = fnv1a64(key);
    const words: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitMix64(state);
      words.push(r.value);
      state = r.next;
    }
    return new Rng(labels, words);
  }

  /** An independent child stream identified by this stream's labels plus `label`. */
  fork(...labels: StreamLabel[]): Rng {
    return Rng.fromLabels([...this.labels, ...labels]);
  }

  /** High and low uint32 halves of the last 64-bit output (fields, so that drawing allocates nothing). */
  private oh = 0;
  private ol = 0;

  /** Advances the generator; the 64-bit output goes to `oh` (high) and `ol` (low). */
  private next64(): void {
    // result = rotl(s1 * 5, 7) * 9
    let mh = ((this.h1 << 2) | (this.l1 >>> 30)) >>> 0;
    let ml = (this.l1 << 2) >>> 0;
    let lo = ml + this.l1;
    mh = (mh + this.h1 + (lo >= TWO_POW_32 ? 1 : 0)) >>> 0;
    ml = lo >>> 0;
    const rh = ((mh << 7) | (ml >>> 25)) >>> 0;
    const rl = ((ml << 7) | (mh >>> 25)) >>> 0;
    let oh = ((rh << 3) | (rl >>> 29)) >>> 0;
    const ol0 = (rl << 3) >>> 0;
    lo = ol0 + rl;
    oh = (oh + rh + (lo >= TWO_POW_32 ? 1 : 0)) >>> 0;
    const ol = lo >>> 0;

    // t = s1 << 17
    const th = ((this.h1 << 17) | (this.l1 >>> 15)) >>> 0;
    const tl = (this.l1 << 17) >>> 0;
    this.h2 = (this.h2 ^ this.h0) >>> 0;
    this.l2 = (this.l2 ^ this.l0) >>> 0;
    this.h3 = (this.h3 ^ this.h1) >>> 0;
    this.l3 = (this.l3 ^ this.l1) >>> 0;
    this.h1 = (this.h1 ^ this.h2) >>> 0;
    this.l1 = (this.l1 ^ this.l2) >>> 0;
    this.h0 = (this.h0 ^ this.h3) >>> 0;
    this.l0 = (this.l0 ^ this.l3) >>> 0;
    this.h2 = (this.h2 ^ th) >>> 0;
    this.l2 = (this.l2 ^ tl) >>> 0;
    // s3 = rotl(s3, 45) = rotl(swap(s3), 13)
    const sh = this.l3;
    const sl = this.h3;
    this.h3 = ((sh << 13) | (sl >>> 19)) >>> 0;
    this.l3 = ((sl << 13) | (sh >>> 19)) >>> 0;
    this.oh = oh;
    this.ol = ol;
  }

  /** The next raw 64-bit output as a bigint (for tests). */
  nextBigUint64(): bigint {
    this.next64();
    return (BigInt(this.oh) << 32n) | BigInt(this.ol);
  }

  /** A uniform 32-bit unsigned integer (the high half of the 64-bit output). */
  nextUint32(): number {
    this.next64();
    return this.oh;
  }

  /** A uniform double in [0, 1) from the top 53 bits. */
  uniform(): number {
    this.next64();
    return (this.oh * 2097152 + (this.ol >>> 11)) / TWO_POW_53;
  }

  /** A uniform double in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A standard normal N(0, 1) sample (Box–Muller; the second output is cached and used next). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** A uniform integer in [0, n), unbiased (rejection sampling for n ≤ 2³²). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`Rng.int: n must be a positive safe integer, got ${n}`);
    }
    if (n <= TWO_POW_32) {
      // x mod n as x − ⌊x/n⌋·n: exact for x ≤ 2³² (x/n never rounds up to the next integer), and
      // several times faster than `%` on values beyond int32, which V8 computes with fmod
      const limit = TWO_POW_32 - (TWO_POW_32 - Math.floor(TWO_POW_32 / n) * n);
      for (;;) {
        const r = this.nextUint32();
        if (r < limit) return r - Math.floor(r / n) * n;
      }
    }
    return Math.floor(this.uniform() * n);
  }

  /** Fills `out` with i.i.d. N(mean, std²) samples and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills `out` with i.i.d. U[low, high) samples and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low: number, high: number): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffleInPlace(p);
  }

  /** Shuffles `arr` in place (Fisher–Yates, from the last index down) and returns it. */
  shuffleInPlace<T extends { length: number; [i: number]: number }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
    return arr;
  }

  /**
   * `k` distinct indices from 0..n−1 chosen uniformly (partial Fisher–Yates: position i swaps
   * with a uniform position in i..n−1), in the order drawn.
   */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new InvalidArgumentError(
        `Rng.sampleWithoutReplacement: k must be in 0..${n}, got ${k}`,
      );
    }
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p.slice(0, k);
  }
}
