/**
 * Errors of `@nidkit/merging`. Structural and fixed-part incompatibilities use core's
 * `IncompatibleModelsError` / `IncompatibleFixedPartsError` (re-exported from the package index);
 * this file adds the errors that only merging raises.
 */
import { NidkitError } from '@nidkit/core';

/**
 * A loss/accuracy curve handed to a barrier function is malformed: lengths that do not agree, a
 * λ grid that is not increasing from 0 to 1, or a non-finite value.
 */
export class InvalidCurveError extends NidkitError {
  /** The argument that failed, e.g. `lambdas` or `accuracy`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_CURVE', message);
    this.name = 'InvalidCurveError';
    this.field = field;
  }
}

/**
 * Aligning one model to another failed: the permuted model does not compute the same function
 * (verification), or the matching result does not fit the network.
 */
export class AlignmentError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALIGNMENT_FAILED', message, options);
    this.name = 'AlignmentError';
  }
}
