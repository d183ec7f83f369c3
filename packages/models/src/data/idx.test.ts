import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { splitSize } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../errors.js';
import { FASHION_MNIST_DIR, loadFashionMnist, loadIdxDataset, readIdx, writeIdx } from './idx.js';

function writeMnistDir(nTrain: number, nTest: number, labelOverride?: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nidkit-idx-'));
  const imgs = (n: number) =>
    writeIdx({
      type: 'uint8',
      dims: [n, 28, 28],
      data: Uint8Array.from({ length: n * 784 }, (_, i) => i % 256),
    });
  const labels = (n: number) =>
    writeIdx({
      type: 'uint8',
      dims: [n],
      data: Uint8Array.from({ length: n }, (_, i) => labelOverride ?? i % 10),
    });
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(imgs(nTrain)));
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels(nTrain));
  writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), imgs(nTest));
  writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels(nTest));
  return dir;
}

describe('readIdx', () => {
  it('round-trips every element type, raw and gzipped', () => {
    const cases = [
      { type: 'uint8', dims: [2, 3], data: Uint8Array.from([0, 1, 2, 253, 254, 255]) },
      { type: 'int8', dims: [3], data: Int8Array.from([-128, 0, 127]) },
      { type: 'int16', dims: [2], data: Int16Array.from([-300, 300]) },
      { type: 'int32', dims: [2], data: Int32Array.from([-70000, 70000]) },
      { type: 'float32', dims: [2], data: Float32Array.from([1.5, -2.25]) },
      { type: 'float64', dims: [1, 2], data: Float64Array.from([Math.PI, -Math.E]) },
    ] as const;
    for (const c of cases) {
      const bytes = writeIdx(c);
      expect(readIdx(bytes)).toEqual(c);
      expect(readIdx(gzipSync(bytes))).toEqual(c);
    }
  });

  it('rejects wrong magic numbers, unknown types, truncation, extra bytes and corrupt gzip', () => {
    const good = writeIdx({ type: 'uint8', dims: [2, 2], data: new Uint8Array(4) });
    const bad = (b: Uint8Array, check: string) => {
      try {
        readIdx(b, 'f.idx');
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(IdxFormatError);
        expect((e as IdxFormatError).check).toBe(check);
        expect((e as Error).message).toMatch(/^f\.idx: readIdx:/);
      }
    };
    bad(Uint8Array.from([1, 0, 8, 1]), 'magic');
    bad(Uint8Array.from([0, 0, 0x42, 1]), 'type');
    bad(good.subarray(0, good.length - 1), 'truncated');
    bad(Uint8Array.from([...good, 0]), 'length');
    bad(good.subarray(0, 6), 'header');
    bad(gzipSync(good).subarray(0, 12), 'gzip');
  });
});

describe('loadIdxDataset', () => {
  it('splits the training files by the standard rule and keeps t10k as test', () => {
    const ds = loadIdxDataset(writeMnistDir(50, 7));
    expect([
      splitSize(ds.splits.train!),
      splitSize(ds.splits.val!),
      splitSize(ds.splits.test!),
    ]).toEqual([45, 5, 7]);
    expect(ds.splits.test!.inputs.shape).toEqual([7, 1, 28, 28]);
    expect(ds.splits.test!.inputs.data[0]).toBeCloseTo(-0.4242, 4);
  });

  it('names the file and check for label range, counts and missing files', () => {
    expect(() => loadIdxDataset(writeMnistDir(10, 3, 12))).toThrow(/label out of range/);
    expect(() => loadIdxDataset(mkdtempSync(path.join(tmpdir(), 'nidkit-empty-')))).toThrow(
      /file not found/,
    );
  });

  it.skipIf(!existsSync(FASHION_MNIST_DIR))('reads Debian Fashion-MNIST (60,000 + 10,000)', () => {
    const ds = loadFashionMnist();
    expect([
      splitSize(ds.splits.train!),
      splitSize(ds.splits.val!),
      splitSize(ds.splits.test!),
    ]).toEqual([54_000, 6000, 10_000]);
  });
});
