/**
 * The CLI's own errors. Everything nidkit throws on purpose is a `NidkitError` (exit 1, one line);
 * a {@link UsageError} is a mistake in the command line itself (exit 2, with the command's usage line).
 */
import { NidkitError } from '@nidkit/core';

/** The command line is wrong (a bad option value, a missing argument): exit 2 with help. */
export class UsageError extends NidkitError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

/** An input file is missing or unreadable. */
export class InputFileError extends NidkitError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('INPUT_FILE', message, options);
    this.name = 'InputFileError';
    this.path = path;
  }
}

/** An output file exists already and `--force` was not given, or it would overwrite an input. */
export class OutputFileError extends NidkitError {
  readonly path: string;
  constructor(
    code: 'OUTPUT_EXISTS' | 'OUTPUT_IS_INPUT' | 'OUTPUT_FAILED',
    path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'OutputFileError';
    this.path = path;
  }
}
