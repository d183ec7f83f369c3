/**
 * Errors thrown by `@nidkit/function-class`. All extend core's `NidkitError` (stable `code`);
 * messages follow `<function>: <what went wrong> — expected <x>, got <y>`.
 */
import { NidkitError } from '@nidkit/core';

/** Base class of the errors specific to this package. */
export class FunctionClassError extends NidkitError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'FunctionClassError';
  }
}

/** The data have no variance, so no principal subspace exists (`estimateSubspace`). */
export class ZeroVarianceError extends FunctionClassError {
  constructor(where: string, rows: number, columns: number) {
    super(
      'ZERO_VARIANCE',
      `${where}: the centred inputs have zero total variance — expected at least one non-constant column, got ${rows} identical rows of ${columns} features`,
    );
    this.name = 'ZeroVarianceError';
  }
}

/** A layer lacks the structure an analysis requires (a mask, an elementwise activation, …). */
export class MissingStructureError extends FunctionClassError {
  /** The layer, e.g. `lins.1`. */
  readonly layer: string;
  constructor(where: string, layer: string, expected: string, got: string) {
    super(
      'MISSING_STRUCTURE',
      `${where}: ${layer} lacks the required structure — expected ${expected}, got ${got}`,
    );
    this.name = 'MissingStructureError';
    this.layer = layer;
  }
}

/** A target coherence below the achievable minimum `k/d` (`givensCoherenceRotation`). */
export class InfeasibleTargetError extends FunctionClassError {
  /** The smallest achievable coherence, `k/d`. */
  readonly minimum: number;
  constructor(where: string, target: number, minimum: number) {
    super(
      'INFEASIBLE_TARGET',
      `${where}: the target coherence is below the achievable minimum — expected a target ≥ k/d = ${minimum}, got ${target}`,
    );
    this.name = 'InfeasibleTargetError';
    this.minimum = minimum;
  }
}
