/**
 * The JSON Schema (draft-07) of every `<out>/<experiment>/result.json` written by
 * `nidkit reproduce`: the common fields, the trend checks, and each experiment's top-level data.
 */

type Schema = Record<string, unknown>;

const num: Schema = { type: 'number' };
const str: Schema = { type: 'string' };
const meanStd: Schema = {
  type: 'object',
  properties: { mean: num, std: num, n: { type: 'integer' } },
  required: ['mean', 'std', 'n'],
};

const check: Schema = {
  type: 'object',
  properties: { id: str, expectation: str, observed: str, holds: { type: ['boolean', 'null'] } },
  required: ['id', 'expectation', 'observed', 'holds'],
};

const modeAggregate: Schema = {
  type: 'object',
  properties: {
    alignment: str,
    lambdas: { type: 'array', items: num },
    meanAccuracy: { type: 'array', items: num },
    stdAccuracy: { type: 'array', items: num },
    meanLoss: { type: 'array', items: num },
    endpointAccuracy: meanStd,
    midpointAccuracy: meanStd,
    barriers: { type: 'object' },
  },
  required: [
    'alignment',
    'lambdas',
    'meanAccuracy',
    'endpointAccuracy',
    'midpointAccuracy',
    'barriers',
  ],
};

/** Experiment-specific top-level data of result.json. */
const DATA: Record<string, { properties: Record<string, Schema>; required: string[] }> = {
  'lmc-families': {
    properties: {
      families: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: str,
            label: str,
            family: str,
            pairs: { type: 'array' },
            unaligned: modeAggregate,
            aligned: modeAggregate,
          },
          required: ['id', 'label', 'family', 'pairs', 'unaligned', 'aligned'],
        },
      },
    },
    required: ['families'],
  },
  'kappa-sweep': {
    properties: {
      kappas: { type: 'array', items: num },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'label', 'kappa', 'epoch', 'pairs', 'aggregate'],
        },
      },
      standardOverTraining: {
        type: 'array',
        items: { type: 'object', required: ['epoch', 'pairs', 'aggregate'] },
      },
    },
    required: ['kappas', 'rows', 'standardOverTraining'],
  },
  'swap-costs': {
    properties: {
      cells: {
        type: 'array',
        items: {
          type: 'object',
          required: ['kappa', 'intrinsicK', 'layer', 'signedRoot', 'ridge'],
        },
      },
    },
    required: ['cells'],
  },
  coherence: {
    properties: {
      families: {
        type: 'array',
        items: { type: 'object', required: ['family', 'records', 'aggregate'] },
      },
      frameAngles: { type: 'array' },
    },
    required: ['families', 'frameAngles'],
  },
  'realization-costs': {
    properties: {
      models: {
        type: 'array',
        items: { type: 'object', required: ['variant', 'label', 'model', 'mahalanobis', 'ridge'] },
      },
    },
    required: ['models'],
  },
};

/**
 * The JSON Schema of a reproduce result.json (draft-07). `schemaVersion` is
 * `nidkit-reproduce/1`; the experiment's own data follow the common fields.
 * @param schemaVersion - the version string the schema pins (`REPRODUCE_SCHEMA_VERSION`)
 * @returns a plain JSON Schema object
 */
export function reproduceResultSchema(schemaVersion: string): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://nidkit.dev/schemas/reproduce/${schemaVersion.replace('/', '-v')}.json`,
    title: 'nidkit reproduce result.json',
    type: 'object',
    properties: {
      schemaVersion: { const: schemaVersion },
      experiment: { enum: Object.keys(DATA) },
      title: str,
      scale: { enum: ['tiny', 'small', 'paper'] },
      seed: { type: 'integer' },
      createdAt: str,
      evaluator: str,
      durationSeconds: num,
      config: { type: 'object' },
      checks: { type: 'array', items: check },
    },
    required: [
      'schemaVersion',
      'experiment',
      'title',
      'scale',
      'seed',
      'createdAt',
      'evaluator',
      'durationSeconds',
      'config',
      'checks',
    ],
    allOf: Object.entries(DATA).map(([name, data]) => ({
      if: { properties: { experiment: { const: name } } },
      then: { properties: data.properties, required: data.required },
    })),
  };
}
