import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from '@nidkit/core';
import { tensor } from '@nidkit/core';
import { IdxFormatError } from '../errors.js';
import {
  FASHION_MNIST_NORMALIZATION,
  MNIST_NORMALIZATION,
  gatherSplit,
  normalizeBytes,
  standardSplit,
} from './splits.js';

/** IDX element types by their type byte. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file. */
export interface IdxArray {
  readonly type: IdxType;
  /** Dimensions, e.g. `[60000, 28, 28]`. */
  readonly dims: readonly number[];
  /** The values, row-major (`Uint8Array` for uint8, else the matching typed array in host order). */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

/**
 * Decodes an IDX file (raw or gzip-compressed, detected by the bytes `1f 8b`): 2 zero bytes, a
 * type byte (`08` uint8, `09` int8, `0B` int16, `0C` int32, `0D` float32, `0E` float64), the
 * number of dimensions, each dimension as a big-endian uint32, then the data big-endian
 * row-major (datasets.md §2).
 * @param input - the file's bytes, or a path to read
 * @param name - the file name used in errors (defaults to the path or `<bytes>`)
 * @returns type, dims and data
 * @throws IdxFormatError naming the file and the failed check (gzip, magic, type, header, length)
 */
export function readIdx(input: Uint8Array | string, name?: string): IdxArray {
  const file = name ?? (typeof input === 'string' ? input : '<bytes>');
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = readFileSync(input);
    } catch (cause) {
      throw new IdxFormatError(
        file,
        'read',
        `readIdx: cannot read the file — expected a readable IDX file, got ${(cause as Error).message}`,
        { cause },
      );
    }
  } else bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (cause) {
      throw new IdxFormatError(
        file,
        'gzip',
        `readIdx: corrupt or truncated gzip data — expected a valid gzip stream, got ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a plain view, not a Node Buffer
  if (bytes.length < 4)
    throw new IdxFormatError(
      file,
      'header',
      `readIdx: file too short for an IDX header — expected ≥ 4 bytes, got ${bytes.length}`,
    );
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new IdxFormatError(
      file,
      'magic',
      `readIdx: bad magic number — expected 0x0000TTDD (two zero bytes), got 0x${magic}`,
    );
  }
  const t = TYPES[bytes[2]!];
  if (!t)
    throw new IdxFormatError(
      file,
      'type',
      `readIdx: unknown element type — expected 08, 09, 0B, 0C, 0D or 0E, got ${bytes[2]!.toString(16).padStart(2, '0')}`,
    );
  const nd = bytes[3]!;
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen)
    throw new IdxFormatError(
      file,
      'header',
      `readIdx: truncated header — expected ${headerLen} bytes for ${nd} dimensions, got ${bytes.length}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerLen + count * t.size;
  if (bytes.length !== expected) {
    throw new IdxFormatError(
      file,
      bytes.length < expected ? 'truncated' : 'length',
      `readIdx: file length does not match dims [${dims.join(', ')}] — expected ${expected} bytes, got ${bytes.length}${bytes.length < expected ? ' (truncated)' : ''}`,
    );
  }
  let data: IdxArray['data'];
  switch (t.type) {
    case 'uint8':
      data = bytes.slice(headerLen);
      break;
    case 'int8':
      data = new Int8Array(bytes.slice(headerLen).buffer);
      break;
    case 'int16':
      data = Int16Array.from({ length: count }, (_, i) => view.getInt16(headerLen + 2 * i, false));
      break;
    case 'int32':
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(headerLen + 4 * i, false));
      break;
    case 'float32':
      data = Float32Array.from({ length: count }, (_, i) =>
        view.getFloat32(headerLen + 4 * i, false),
      );
      break;
    case 'float64':
      data = Float64Array.from({ length: count }, (_, i) =>
        view.getFloat64(headerLen + 8 * i, false),
      );
      break;
  }
  return { type: t.type, dims, data };
}

/**
 * Encodes an IDX file (uncompressed): the inverse of {@link readIdx}, for tests and tools.
 * @param array - type, dims and data
 * @returns the bytes
 */
export function writeIdx(array: IdxArray): Uint8Array {
  const code = Number(Object.entries(TYPES).find(([, v]) => v.type === array.type)![0]);
  const size = TYPES[code]!.size;
  const headerLen = 4 + 4 * array.dims.length;
  const out = new Uint8Array(headerLen + array.data.length * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < array.data.length; i++) {
    const v = array.data[i]!;
    const o = headerLen + i * size;
    if (array.type === 'uint8') view.setUint8(o, v);
    else if (array.type === 'int8') view.setInt8(o, v);
    else if (array.type === 'int16') view.setInt16(o, v, false);
    else if (array.type === 'int32') view.setInt32(o, v, false);
    else if (array.type === 'float32') view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}

function readImages(file: string): { n: number; bytes: Uint8Array } {
  const a = readIdx(file);
  if (a.type !== 'uint8' || a.dims.length !== 3 || a.dims[1] !== 28 || a.dims[2] !== 28) {
    throw new IdxFormatError(
      file,
      'magic',
      `loadIdxDataset: not an MNIST image file — expected magic 0x00000803 with dims [n, 28, 28], got type ${a.type} dims [${a.dims.join(', ')}]`,
    );
  }
  return { n: a.dims[0]!, bytes: a.data as Uint8Array };
}

function readLabels(file: string, n: number): Int32Array {
  const a = readIdx(file);
  if (a.type !== 'uint8' || a.dims.length !== 1) {
    throw new IdxFormatError(
      file,
      'magic',
      `loadIdxDataset: not an MNIST label file — expected magic 0x00000801 with dims [n], got type ${a.type} dims [${a.dims.join(', ')}]`,
    );
  }
  if (a.dims[0] !== n)
    throw new IdxFormatError(
      file,
      'count',
      `loadIdxDataset: label count does not match the images — expected ${n}, got ${a.dims[0]}`,
    );
  const y = Int32Array.from(a.data);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0)
    throw new IdxFormatError(
      file,
      'labels',
      `loadIdxDataset: label out of range at index ${bad} — expected 0..9, got ${y[bad]}`,
    );
  return y;
}

function findFile(dir: string, base: string): string {
  for (const candidate of [
    base,
    `${base}.gz`,
    base.replace('-idx', '.idx'),
    `${base.replace('-idx', '.idx')}.gz`,
  ]) {
    const p = path.join(dir, candidate);
    if (existsSync(p)) return p;
  }
  throw new IdxFormatError(
    path.join(dir, base),
    'missing',
    `loadIdxDataset: file not found — expected ${base} or ${base}.gz in ${dir}`,
  );
}

/** Options of {@link loadIdxDataset}. */
export interface IdxDatasetOptions {
  /** Dataset name (default `mnist-idx`). */
  readonly name?: string;
  /** Normalization at [0, 1] scale (default MNIST's mean 0.1307, std 0.3081). */
  readonly normalization?: { readonly mean: number; readonly std: number };
  /** Split seed of the train/val rule (default 42). */
  readonly splitSeed?: number;
}

/**
 * Loads an MNIST-format directory (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, raw or `.gz`): the official training set is
 * split by the standard rule (val = ⌊0.1·total⌋ from stream `(42, 'split')`; MNIST: 54,000 /
 * 6,000), the t10k files are the test split; images normalized `(x/255 − mean)/std`, shape
 * `[N, 1, 28, 28]`.
 * @param dir - the directory
 * @param options - name, normalization, split seed
 * @returns the dataset with splits `train`, `val`, `test`
 * @throws IdxFormatError naming the file and the failed check
 */
export function loadIdxDataset(dir: string, options: IdxDatasetOptions = {}): Dataset {
  const norm = options.normalization ?? MNIST_NORMALIZATION;
  const trainImgFile = findFile(dir, 'train-images-idx3-ubyte');
  const trainImg = readImages(trainImgFile);
  const trainY = readLabels(findFile(dir, 'train-labels-idx1-ubyte'), trainImg.n);
  const testImgFile = findFile(dir, 't10k-images-idx3-ubyte');
  const testImg = readImages(testImgFile);
  const testY = readLabels(findFile(dir, 't10k-labels-idx1-ubyte'), testImg.n);
  const { train, val } = standardSplit(trainImg.n, options.splitSeed);
  const inner = [1, 28, 28];
  const xTrain = normalizeBytes(trainImg.bytes, norm.mean, norm.std);
  const xTest = normalizeBytes(testImg.bytes, norm.mean, norm.std);
  return {
    name: options.name ?? 'mnist-idx',
    task: 'classification',
    inputShape: inner,
    numOutputs: 10,
    splits: {
      train: gatherSplit(xTrain, inner, trainY, train),
      val: gatherSplit(xTrain, inner, trainY, val),
      test: { inputs: tensor(xTest, [testImg.n, ...inner]), labels: testY },
    },
    meta: {
      source: dir,
      normalization: { mean: norm.mean, std: norm.std },
      split: {
        rule: "val = ⌊0.1·total⌋ via perm(splitSeed, 'split')",
        splitSeed: options.splitSeed ?? 42,
        train: train.length,
        val: val.length,
        test: testImg.n,
      },
    },
  };
}

/** Where Debian's `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Loads Fashion-MNIST (60,000 train + 10,000 test; Debian package `dataset-fashion-mnist`) with
 * its own normalization (mean 0.2860, std 0.3530) and the standard split (54,000 / 6,000 / 10,000).
 * The paper's numbers are for MNIST; only trends transfer.
 * @param dir - directory of the IDX files (default `/usr/share/datasets/fashion-mnist`)
 * @returns the dataset `fashion-mnist`
 * @throws IdxFormatError when the files are missing or malformed
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): Dataset {
  return loadIdxDataset(dir, { name: 'fashion-mnist', normalization: FASHION_MNIST_NORMALIZATION });
}
