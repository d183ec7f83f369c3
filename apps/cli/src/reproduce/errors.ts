import { NidkitError } from '@nidkit/core';

/**
 * A reproduction run cannot proceed as asked: unknown experiment, an existing result without
 * `resume`/`force`, a corrupt cached work unit.
 */
export class ReproduceError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REPRODUCE', message, options);
    this.name = 'ReproduceError';
  }
}
