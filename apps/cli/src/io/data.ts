/**
 * `--data <spec>`: the embedded MNIST digits (`mnist`), Fashion-MNIST from Debian's
 * `dataset-fashion-mnist` (`fashion-mnist`), an IDX folder (a path), or a synthetic subspace set
 * (`gmm`, `parity`, `multilabel`, optionally with `:key=value,…` generator options).
 */
import { stat } from 'node:fs/promises';
import { getSplit, splitSize } from '@nidkit/core';
import type { Dataset, Split } from '@nidkit/core';
import { UsageError } from '../errors.js';

/** A parsed `--data` specification. */
export type DataSpec =
  | { readonly kind: 'mnist' }
  | { readonly kind: 'fashion-mnist' }
  | { readonly kind: 'idx'; readonly dir: string }
  | {
      readonly kind: 'gmm' | 'parity' | 'multilabel';
      readonly options: Readonly<Record<string, number>>;
    };

const SYNTHETIC = ['gmm', 'parity', 'multilabel'] as const;

/**
 * Parses a `--data` value. Anything that is not a known name is taken as an IDX folder.
 * @throws UsageError for a malformed synthetic option list
 */
export function parseDataSpec(spec: string): DataSpec {
  const s = spec.trim();
  if (s === 'mnist' || s === 'mnist-10k') return { kind: 'mnist' };
  if (s === 'fashion-mnist' || s === 'fashion') return { kind: 'fashion-mnist' };
  const [name, rest] = s.split(/:(.*)/s, 2) as [string, string | undefined];
  if ((SYNTHETIC as readonly string[]).includes(name)) {
    const options: Record<string, number> = {};
    if (rest !== undefined && rest.trim() !== '') {
      for (const part of rest.split(',')) {
        const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(-?[\d.eE+-]+)\s*$/.exec(part);
        const v = m ? Number(m[2]) : Number.NaN;
        if (!m || !Number.isFinite(v)) {
          throw new UsageError(
            `--data ${spec}: bad generator option "${part}" — expected key=number, e.g. ${name}:d=64,k=8,n=2000`,
          );
        }
        options[m[1]!] = v;
      }
    }
    return { kind: name as (typeof SYNTHETIC)[number], options };
  }
  return { kind: 'idx', dir: s };
}

/** Keys the CLI accepts in a synthetic spec, mapped to the generator's option names, per generator. */
const KEYS: Record<'gmm' | 'parity' | 'multilabel', Record<string, string>> = {
  gmm: {
    d: 'ambientDim',
    k: 'latentDim',
    n: 'nTrain',
    ntest: 'nTest',
    classes: 'numClasses',
    s: 'separation',
    seed: 'structureSeed',
  },
  parity: {
    d: 'ambientDim',
    k: 'latentDim',
    n: 'nTrain',
    ntest: 'nTest',
    base: 'base',
    seed: 'projectionSeed',
  },
  multilabel: {
    d: 'ambientDim',
    k: 'numLabels',
    n: 'nTrain',
    ntest: 'nTest',
    seed: 'projectionSeed',
  },
};

/** The generator options of a synthetic spec, e.g. `gmm:d=64,k=8` → `{ ambientDim: 64, latentDim: 8 }`. */
export function syntheticOptions(
  kind: 'gmm' | 'parity' | 'multilabel',
  options: Readonly<Record<string, number>>,
): Record<string, number> {
  const keys = KEYS[kind];
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(options)) {
    const name = keys[k];
    if (!name)
      throw new UsageError(
        `--data ${kind}: unknown option "${k}" — expected one of ${Object.keys(keys).join(', ')}`,
      );
    out[name] = v;
  }
  return out;
}

/**
 * Loads the dataset a spec names.
 * @throws DataError / IdxFormatError from the loaders; UsageError for an unknown name that is not a folder
 */
export async function loadData(spec: string): Promise<Dataset> {
  const parsed = parseDataSpec(spec);
  const models = await import('@nidkit/models');
  switch (parsed.kind) {
    case 'mnist':
      return models.loadMnist10k();
    case 'fashion-mnist':
      return models.loadFashionMnist();
    case 'idx': {
      const isDir = await stat(parsed.dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir) {
        throw new UsageError(
          `--data ${spec}: not a known dataset and not a folder — expected mnist, fashion-mnist, gmm|parity|multilabel[:key=value,…] or an IDX folder`,
        );
      }
      return models.loadIdxDataset(parsed.dir);
    }
    default: {
      const opts = syntheticOptions(parsed.kind, parsed.options);
      if (parsed.kind === 'gmm') return models.gmmSubspace(opts);
      if (parsed.kind === 'parity') return models.paritySubspace(opts);
      return models.multilabelSubspace(opts);
    }
  }
}

/**
 * `n` samples spread evenly over a split (indices ⌊i·N/n⌋), so that a limit keeps every class even
 * when a split is stored sorted by label. Returns the split itself when `n ≥ N`.
 */
export function evenSubset(split: Split, n: number): Split {
  const N = splitSize(split);
  if (n >= N) return split;
  const idx = Array.from({ length: n }, (_, i) => Math.floor((i * N) / n));
  const rowLen = split.inputs.data.length / N;
  const inputs = new Float32Array(n * rowLen);
  idx.forEach((r, i) =>
    inputs.set(split.inputs.data.subarray(r * rowLen, (r + 1) * rowLen), i * rowLen),
  );
  const out: { inputs: Split['inputs']; labels?: Int32Array; targets?: Split['targets'] } = {
    inputs: { data: inputs, shape: [n, ...split.inputs.shape.slice(1)] },
  };
  if (split.labels) out.labels = Int32Array.from(idx, (r) => split.labels![r]!);
  if (split.targets) {
    const k = split.targets.shape[1]!;
    const t = new Float32Array(n * k);
    idx.forEach((r, i) => t.set(split.targets!.data.subarray(r * k, (r + 1) * k), i * k));
    out.targets = { data: t, shape: [n, k] };
  }
  return out;
}

/**
 * The split a command uses; with `limit`, that many samples spread evenly over it.
 * @throws DataError naming the available splits
 */
export function pickSplit(dataset: Dataset, name = 'train', limit?: number): Split {
  const split = getSplit(dataset, name);
  if (splitSize(split) === 0) throw new UsageError(`--split ${name}: the split is empty`);
  return limit === undefined ? split : evenSubset(split, limit);
}

/** The dataset with split `name` replaced by `split` (to hand a limited split to package functions). */
export function withSplit(dataset: Dataset, name: string, split: Split): Dataset {
  return { ...dataset, splits: { ...dataset.splits, [name]: split } };
}

/** A one-line description of the data actually used, for tables and reports. */
export function describeData(dataset: Dataset, split: string, n: number): string {
  return `${dataset.name}, split ${split}, ${n.toLocaleString('en-US')} samples`;
}
