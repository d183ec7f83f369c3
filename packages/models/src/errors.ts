/**
 * Errors thrown by `@nidkit/models`. All extend core's `NidkitError`; messages follow
 * `<function>: <what went wrong> — expected <x>, got <y>`.
 */
import { NidkitError } from '@nidkit/core';

/** A model configuration is invalid (widths, κ, num_fixed, seeds, family options). */
export class ModelConfigError extends NidkitError {
  /** The configuration field that failed, e.g. `numFixed[2]`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('MODEL_CONFIG', message, options);
    this.name = 'ModelConfigError';
    this.field = field;
  }
}

/** An IDX file is malformed: wrong magic number, sizes, truncation, label range. */
export class IdxFormatError extends NidkitError {
  /** The file (path or `<bytes>`) that failed. */
  readonly file: string;
  /** The check that failed, e.g. `magic`, `length`, `labels`. */
  readonly check: string;
  constructor(file: string, check: string, message: string, options?: { cause?: unknown }) {
    super('IDX_FORMAT', `${file}: ${message}`, options);
    this.name = 'IdxFormatError';
    this.file = file;
    this.check = check;
  }
}

/** Training could not run or diverged (bad options, non-finite loss, no backend). */
export class TrainingError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRAINING', message, options);
    this.name = 'TrainingError';
  }
}
