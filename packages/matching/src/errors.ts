/**
 * Errors of `@nidkit/matching`. Every class extends core's `NidkitError` and carries the data
 * that explains the failure.
 */
import { NidkitError } from '@nidkit/core';

/** A cost or similarity matrix contains NaN, or −∞ when minimizing (+∞ when maximizing). */
export class InvalidCostMatrixError extends NidkitError {
  /** Row of the first offending entry. */
  readonly row: number;
  /** Column of the first offending entry. */
  readonly column: number;
  /** The offending value (NaN or an infinity). */
  readonly value: number;
  constructor(where: string, row: number, column: number, value: number) {
    super(
      'INVALID_COST_MATRIX',
      `${where}: invalid numeric entries — expected finite values (or +Infinity for a forbidden pair when minimizing, −Infinity when maximizing), got ${value} at [${row}, ${column}]`,
    );
    this.name = 'InvalidCostMatrixError';
    this.row = row;
    this.column = column;
    this.value = value;
  }
}

/** Forbidden pairs (±∞) leave no complete assignment. */
export class InfeasibleCostMatrixError extends NidkitError {
  /** Shape of the cost matrix. */
  readonly shape: readonly [number, number];
  constructor(where: string, shape: readonly [number, number]) {
    super(
      'INFEASIBLE_COST_MATRIX',
      `${where}: cost matrix is infeasible — expected a complete assignment avoiding forbidden (infinite) pairs, got none for shape [${shape[0]}, ${shape[1]}]`,
    );
    this.name = 'InfeasibleCostMatrixError';
    this.shape = shape;
  }
}

/** A unit is constant over all recorded samples where a Pearson correlation needs variation. */
export class ConstantUnitError extends NidkitError {
  /** `A` or `B`. */
  readonly model: 'A' | 'B';
  /** Index of the first constant unit. */
  readonly unit: number;
  /** Every constant unit of that model. */
  readonly units: readonly number[];
  /** Recording point, e.g. `post_activation@1`, when known. */
  readonly point: string | undefined;
  constructor(where: string, model: 'A' | 'B', units: readonly number[], point?: string) {
    const at = point ? ` at ${point}` : '';
    super(
      'CONSTANT_UNIT',
      `${where}: unit ${units[0]} of model ${model}${at} is constant (${units.length} constant unit${units.length === 1 ? '' : 's'}) — expected non-constant units for Pearson similarity, use 'pearson_zero_for_constant' to allow them`,
    );
    this.name = 'ConstantUnitError';
    this.model = model;
    this.unit = units[0] ?? -1;
    this.units = units;
    this.point = point;
  }
}

/** A permutation is not a permutation of the expected size. */
export class InvalidPermutationError extends NidkitError {
  /** Entry where the check failed, or −1 for a size mismatch. */
  readonly index: number;
  constructor(message: string, index = -1) {
    super('INVALID_PERMUTATION', message);
    this.name = 'InvalidPermutationError';
    this.index = index;
  }
}

/** A permuted network does not compute the same function as the original (verification failed). */
export class PermutationVerificationError extends NidkitError {
  /** Largest |Δlogit| on the probe inputs. */
  readonly maxDifference: number;
  /** The tolerance it was compared with. */
  readonly tolerance: number;
  constructor(where: string, maxDifference: number, tolerance: number) {
    super(
      'PERMUTATION_NOT_FUNCTION_PRESERVING',
      `${where}: the permuted network computes a different function — expected max |Δlogit| ≤ ${tolerance}, got ${maxDifference}`,
    );
    this.name = 'PermutationVerificationError';
    this.maxDifference = maxDifference;
    this.tolerance = tolerance;
  }
}
