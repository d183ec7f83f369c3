import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

/** Straightforward BigInt xoshiro256** (Blackman & Vigna's reference code, transcribed). */
function referenceXoshiro(state: bigint[]): () => bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M;
  const s = [...state];
  return () => {
    const result = (rotl((s[1]! * 5n) & M, 7n) * 9n) & M;
    const t = (s[1]! << 17n) & M;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 45n);
    return result;
  };
}

describe('Rng (xoshiro256** seeded by SplitMix64)', () => {
  it('matches the published xoshiro256** vector for state (1, 2, 3, 4)', () => {
    const r = Rng.fromState([1n, 2n, 3n, 4n]);
    expect([r.nextBigUint64(), r.nextBigUint64(), r.nextBigUint64(), r.nextBigUint64()]).toEqual([
      11520n,
      0n,
      1509978240n,
      1215971899390074240n,
    ]);
  });

  it('the 32-bit implementation equals a BigInt reference over 10,000 steps from random states', () => {
    for (const words of [
      [0x0123456789abcdefn, 0xfedcba9876543210n, 0xffffffffffffffffn, 1n],
      [0x8000000000000000n, 0x7fffffffffffffffn, 0xdeadbeefcafebaben, 0x1234n],
    ] as [bigint, bigint, bigint, bigint][]) {
      const r = Rng.fromState(words);
      const ref = referenceXoshiro(words);
      for (let i = 0; i < 10000; i++) expect(r.nextBigUint64()).toBe(ref());
    }
  });

  it('golden values of derived streams (stream version 1: changing them breaks reproducibility)', () => {
    const r = Rng.stream(42, 'mask', 0);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toMatchInlineSnapshot(`
      [
        3672232355,
        942765979,
        1208137305,
      ]
    `);
    expect(Rng.stream(7, 'init', 2).uniform()).toMatchInlineSnapshot(`0.08076730965114509`);
  });

  it('same labels ⇒ same stream; different labels or fork ⇒ different streams', () => {
    const a = Rng.stream(42, 'mask', 1);
    const b = Rng.stream(42, 'mask', 1);
    const seqA = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(seqA);
    expect(Rng.stream(42, 'mask', 2).uniform()).not.toBe(seqA[0]);
    expect(Rng.stream(43, 'mask', 1).uniform()).not.toBe(seqA[0]);
    expect(Rng.stream(42, 'normal', 1).uniform()).not.toBe(seqA[0]);
    // fork depends on labels only, not on consumed state
    const parent = Rng.stream(5, 'run');
    const child1 = parent.fork('model', 0).uniform();
    parent.uniform();
    parent.uniform();
    expect(parent.fork('model', 0).uniform()).toBe(child1);
    expect(Rng.stream(5, 'run', 'model', 0).uniform()).toBe(child1);
  });

  it('uniform lies in [0, 1) with mean ½ and variance 1/12', () => {
    const r = Rng.stream(1, 'u');
    let s = 0;
    let s2 = 0;
    const n = 200000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.002);
  });

  it('normal has mean 0 and variance 1 (first two moments, 200,000 samples)', () => {
    const x = Rng.stream(3, 'n').fillNormal(new Float64Array(200000));
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.01);
  });

  it('int is unbiased over a range that does not divide 2^32', () => {
    const r = Rng.stream(11, 'int');
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(6)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(() => r.int(0)).toThrow(/n must be a positive safe integer/);
  });

  it('int(n) is the rejection rule on 32-bit draws: reject r ≥ 2³² − (2³² mod n), return r mod n', () => {
    const ns = [1, 2, 3, 6, 7, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3e9, 2 ** 32 - 1, 2 ** 32];
    const got = Rng.stream(12, 'int-rule');
    const raw = Rng.stream(12, 'int-rule');
    for (let i = 0; i < 5000; i++) {
      const n = ns[i % ns.length]!;
      const limit = Number(2n ** 32n - (2n ** 32n % BigInt(n)));
      let r = raw.nextUint32();
      while (r >= limit) r = raw.nextUint32();
      expect(got.int(n)).toBe(Number(BigInt(r) % BigInt(n)));
    }
  });

  it('permutation and sampleWithoutReplacement return distinct indices', () => {
    const r = Rng.stream(2, 'p');
    const p = Array.from(r.permutation(50)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const s = r.sampleWithoutReplacement(784, 64);
    expect(new Set(s).size).toBe(64);
    expect(Math.max(...s)).toBeLessThan(784);
  });

  it('rejects invalid seeds', () => {
    expect(() => Rng.stream(-1)).toThrow(/non-negative safe integer/);
    expect(() => Rng.stream(1.5)).toThrow(/non-negative safe integer/);
  });
});
