/**
 * The error classes that every nidkit package shares. Each carries a stable `code` and the data
 * that explains the failure; messages follow `<function>: <what went wrong> — expected <x>, got <y>`.
 */

/** Base class of every error nidkit throws on purpose. `code` is stable and machine-readable. */
export class NidkitError extends Error {
  /** Stable machine-readable code, e.g. `SHAPE_MISMATCH`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NidkitError';
    this.code = code;
  }
}

/** An argument is outside its documented domain (a negative size, τ ∉ (0, 1], …). */
export class InvalidArgumentError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** Two shapes that must agree do not. */
export class ShapeMismatchError extends NidkitError {
  readonly expected: readonly number[];
  readonly actual: readonly number[];
  constructor(
    where: string,
    expected: readonly number[],
    actual: readonly number[],
    what = 'shape mismatch',
  ) {
    super(
      'SHAPE_MISMATCH',
      `${where}: ${what} — expected ${formatShape(expected)}, got ${formatShape(actual)}`,
    );
    this.name = 'ShapeMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** A network description violates the IR's rules (bad shapes, a mask that is not 0/1, …). */
export class InvalidNetworkError extends NidkitError {
  /** The tensor or layer that failed, e.g. `lins.1.mask`. */
  readonly location: string;
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_NETWORK', `${location}: ${message}`, options);
    this.name = 'InvalidNetworkError';
    this.location = location;
  }
}

/** NaN or ±Infinity where finite numbers are required (weights, data, activations). */
export class NonFiniteError extends NidkitError {
  readonly location: string;
  readonly count: number;
  constructor(location: string, count: number, detail = '') {
    super(
      'NON_FINITE',
      `${location}: ${count} non-finite value${count === 1 ? '' : 's'} (NaN or ±Infinity)${detail ? ` ${detail}` : ''}`,
    );
    this.name = 'NonFiniteError';
    this.location = location;
    this.count = count;
  }
}

/** One difference between two networks that should share structure or fixed parts. */
export interface ModelDifference {
  /** Layer, e.g. `lins.1`, or `network` for global properties. */
  readonly layer: string;
  /** Tensor or property, e.g. `lins.1.mask`, `family`, `kappa`. */
  readonly tensor: string;
  /** What differs, in words. */
  readonly description: string;
  /** How many entries differ, when the difference is entrywise. */
  readonly entries?: number;
}

/** Two networks cannot be compared, interpolated or merged (different structure). */
export class IncompatibleModelsError extends NidkitError {
  readonly differences: readonly ModelDifference[];
  constructor(
    where: string,
    differences: readonly ModelDifference[],
    code = 'INCOMPATIBLE_MODELS',
  ) {
    const list = differences
      .slice(0, 8)
      .map(
        (d) =>
          `${d.tensor}: ${d.description}${d.entries !== undefined ? ` (${d.entries} entries)` : ''}`,
      )
      .join('; ');
    const more = differences.length > 8 ? `; … and ${differences.length - 8} more` : '';
    super(code, `${where}: the models are incompatible — ${list}${more}`);
    this.name = 'IncompatibleModelsError';
    this.differences = differences;
  }
}

/** Two networks differ in their fixed asymmetric parts (D, N, κ, C): not interpolable as stored. */
export class IncompatibleFixedPartsError extends IncompatibleModelsError {
  constructor(where: string, differences: readonly ModelDifference[]) {
    super(where, differences, 'INCOMPATIBLE_FIXED_PARTS');
    this.name = 'IncompatibleFixedPartsError';
  }
}

/** A dataset is malformed or does not fit the network (wrong size, labels out of range, …). */
export class DataError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATA_ERROR', message, options);
    this.name = 'DataError';
  }
}

/** Formats a shape the way every nidkit message writes it: `[784, 512]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
