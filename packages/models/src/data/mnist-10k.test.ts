import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitSize } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { loadMnist10k, loadMnist10kRaw } from './mnist-10k.js';
import { MNIST_NORMALIZATION, normalizeBytes, standardSplit } from './splits.js';

describe('mnist-10k', () => {
  it('has 10,000 images with the documented class counts, bytes recovered exactly', () => {
    const raw = loadMnist10kRaw();
    expect(raw.labels.length).toBe(10_000);
    expect(raw.classCounts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const json = JSON.parse(readFileSync(path.join(raw.source, '3.json'), 'utf8')) as {
      data: number[];
    };
    const offset = (1001 + 1127 + 991) * 784;
    for (let i = 0; i < json.data.length; i += 97) {
      expect(Number((raw.images[offset + i]! / 255).toFixed(3))).toBe(json.data[i]);
    }
  });

  it('splits 7,200 / 800 / 2,000, disjoint, normalized inputs [N, 1, 28, 28]', () => {
    const ds = loadMnist10k();
    expect([
      splitSize(ds.splits.train!),
      splitSize(ds.splits.val!),
      splitSize(ds.splits.test!),
    ]).toEqual([7200, 800, 2000]);
    expect(ds.splits.test!.inputs.shape).toEqual([2000, 1, 28, 28]);
    const counts = new Array<number>(10).fill(0);
    for (const s of ['train', 'val', 'test']) for (const y of ds.splits[s]!.labels!) counts[y]!++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const min = ds.splits.train!.inputs.data.reduce((a, b) => Math.min(a, b), Infinity);
    expect(min).toBeCloseTo(-0.4242, 4);
    expect(loadMnist10k().splits.val!.labels).toEqual(ds.splits.val!.labels);
  });

  it('regression: splits are not grouped by digit (the first 100 samples of every split hold ≥ 8 classes)', () => {
    const ds = loadMnist10k();
    for (const s of ['train', 'val', 'test']) {
      expect(new Set(ds.splits[s]!.labels!.subarray(0, 100)).size).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('normalization and the standard split', () => {
  it('MNIST normalization maps 0 → −0.4242 and 1 → 2.8215', () => {
    const v = normalizeBytes(
      new Uint8Array([0, 255]),
      MNIST_NORMALIZATION.mean,
      MNIST_NORMALIZATION.std,
    );
    expect(v[0]).toBeCloseTo(-0.4242, 4);
    expect(v[1]).toBeCloseTo(2.8215, 4);
  });

  it('a 10 % val split of 60,000 is exactly 6,000, disjoint from train', () => {
    const { train, val } = standardSplit(60_000);
    expect([train.length, val.length]).toEqual([54_000, 6000]);
    const seen = new Uint8Array(60_000);
    for (const i of [...train, ...val]) seen[i]!++;
    expect(seen.every((c) => c === 1)).toBe(true);
  });
});
