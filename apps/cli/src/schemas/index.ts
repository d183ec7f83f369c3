/**
 * The JSON Schemas (draft-07) of every `--json` result of the CLI. Every result carries
 * `schemaVersion` (this file's {@link SCHEMA_VERSION}) and `command`; results of the packages
 * embedded in it keep their own `schemaVersion`. `nidkit schema <command>` prints a schema.
 */

/** Version of the CLI's JSON envelopes; bumped when a field is renamed, removed or changes meaning. */
export const SCHEMA_VERSION = 1;

type Schema = Record<string, unknown>;

const num: Schema = { type: 'number' };
const numOrNull: Schema = { type: ['number', 'null'] };
const int: Schema = { type: 'integer' };
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const numArray: Schema = { type: 'array', items: num };
const numOrNullArray: Schema = { type: 'array', items: numOrNull };

function envelope(
  command: string,
  properties: Record<string, Schema>,
  required: readonly string[],
): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://nidkit.dev/schemas/cli/${command}.v${SCHEMA_VERSION}.json`,
    title: `nidkit ${command} --json`,
    type: 'object',
    properties: {
      schemaVersion: { const: SCHEMA_VERSION },
      command: { const: command },
      ...properties,
    },
    required: ['schemaVersion', 'command', ...required],
  };
}

const dataDescription: Schema = {
  type: 'object',
  properties: { spec: str, name: str, split: str, samples: int },
  required: ['spec', 'name', 'split', 'samples'],
};

const barrierSet: Schema = {
  type: 'object',
  properties: {
    lossBarrier: num,
    midpointLossBarrier: numOrNull,
    accuracyBarrierPp: numOrNull,
    midpointAccuracyBarrierPp: numOrNull,
    accuracyDropPp: numOrNull,
    relativeAccuracyDropPct: numOrNull,
  },
  required: ['lossBarrier', 'accuracyDropPp'],
};

const curve: Schema = {
  type: 'object',
  properties: {
    alignment: { enum: ['none', 'activation', 'weight', 'weights', 'reference-anti'] },
    lambdas: numArray,
    loss: numArray,
    accuracy: numOrNullArray,
    barriers: barrierSet,
  },
  required: ['alignment', 'lambdas', 'loss', 'accuracy', 'barriers'],
};

const matchingLayer: Schema = {
  type: 'object',
  properties: {
    layer: int,
    size: int,
    permutation: { type: 'array', items: int },
    optimal: numOrNull,
    identity: numOrNull,
    randomMean: numOrNull,
    randomStd: numOrNull,
    fixedPointFraction: num,
    constantA: { type: ['array', 'null'], items: int },
    constantB: { type: ['array', 'null'], items: int },
  },
  required: ['layer', 'size', 'permutation', 'fixedPointFraction'],
};

/** The schema of each command's `--json` result, by command name. */
export const SCHEMAS: Readonly<Record<string, Schema>> = {
  inspect: envelope(
    'inspect',
    {
      file: str,
      family: { enum: ['standard', 'w-asym', 'sigma-asym', 'syre'] },
      inputShape: { type: 'array', items: int },
      widths: { type: 'array', items: int, minItems: 2 },
      layers: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            layer: str,
            shape: { type: 'array', items: int, minItems: 2, maxItems: 2 },
            bias: bool,
            norm: str,
            activation: str,
            structure: str,
            kappa: numOrNull,
            numFixed: numOrNull,
          },
          required: ['layer', 'shape', 'bias', 'norm', 'activation', 'structure'],
        },
      },
      parameters: {
        type: 'object',
        properties: { trainable: int, maskedEntries: int, free: int, nonTrainable: int },
        required: ['trainable', 'free'],
      },
      structure: { enum: ['dense', 'dense (folded)', 'asymmetric'] },
      warnings: { type: 'array', items: str },
    },
    ['file', 'family', 'widths', 'layers', 'parameters', 'structure', 'warnings'],
  ),
  train: envelope(
    'train',
    {
      config: { type: 'object' },
      data: dataDescription,
      models: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            seed: int,
            file: str,
            backend: str,
            seconds: num,
            final: { type: 'object' },
            history: { type: 'array' },
          },
          required: ['seed', 'file', 'history'],
        },
      },
    },
    ['config', 'data', 'models'],
  ),
  match: envelope(
    'match',
    {
      a: str,
      b: str,
      method: { enum: ['activation', 'weights'] },
      data: { oneOf: [dataDescription, { type: 'null' }] },
      layers: { type: 'array', items: matchingLayer, minItems: 1 },
      aligned: { type: ['string', 'null'] },
    },
    ['a', 'b', 'method', 'layers'],
  ),
  lmc: envelope(
    'lmc',
    {
      a: str,
      b: str,
      data: dataDescription,
      points: int,
      curves: { type: 'array', items: curve, minItems: 1 },
    },
    ['a', 'b', 'data', 'points', 'curves'],
  ),
  costs: envelope(
    'costs',
    {
      model: str,
      data: dataDescription,
      estimator: { enum: ['mahalanobis', 'ridge'] },
      layers: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            layer: int,
            k: int,
            d: int,
            explainedVariance: num,
            coherence: num,
            M: { type: 'array', items: numArray },
            T: { type: 'array', items: numArray },
            summary: { type: 'object' },
          },
          // k, d and coherence come with the Mahalanobis estimator; the ridge estimator reports beta and its fit error
          required: ['layer', 'M', 'T', 'summary'],
        },
      },
    },
    ['model', 'data', 'estimator', 'layers'],
  ),
  identify: envelope(
    'identify',
    {
      a: str,
      b: str,
      data: dataDescription,
      verdict: str,
      mergeableWithoutAlignment: bool,
      layers: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            layer: int,
            verdict: { enum: ['identifiable', 'partial', 'not-identifiable'] },
            identity: numOrNull,
            optimal: numOrNull,
            randomMean: numOrNull,
            randomStd: numOrNull,
            fixedPointFraction: num,
          },
          required: ['layer', 'verdict', 'identity', 'optimal', 'fixedPointFraction'],
        },
      },
      report: { type: 'object' },
    },
    ['a', 'b', 'data', 'verdict', 'mergeableWithoutAlignment', 'layers'],
  ),
  merge: envelope(
    'merge',
    {
      models: { type: 'array', items: str, minItems: 2 },
      weights: numArray,
      aligned: bool,
      batchNormRecomputed: bool,
      out: str,
      family: str,
    },
    ['models', 'weights', 'aligned', 'batchNormRecomputed', 'out'],
  ),
  reproduce: envelope(
    'reproduce',
    {
      scale: { enum: ['tiny', 'small', 'paper'] },
      seed: int,
      outDir: str,
      experiments: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: str,
            title: str,
            seconds: num,
            files: { type: 'array', items: str },
            result: {
              type: 'object',
              properties: { schemaVersion: str, experiment: str, checks: { type: 'array' } },
              required: ['schemaVersion', 'experiment', 'checks'],
            },
          },
          required: ['name'],
        },
      },
    },
    ['experiments'],
  ),
  demo: envelope(
    'demo',
    {
      scale: str,
      seconds: num,
      data: dataDescription,
      config: { type: 'object' },
      families: {
        type: 'array',
        minItems: 2,
        items: {
          type: 'object',
          properties: {
            family: str,
            label: str,
            endpointAccuracy: numArray,
            unaligned: barrierSet,
            aligned: barrierSet,
            matching: {
              type: 'object',
              properties: { identity: num, optimal: num, randomMean: num },
              required: ['identity', 'optimal'],
            },
            swapCosts: { type: 'object' },
          },
          required: ['family', 'label', 'unaligned', 'aligned', 'matching'],
        },
      },
      headline: { type: 'object' },
    },
    ['scale', 'seconds', 'data', 'families', 'headline'],
  ),
};
