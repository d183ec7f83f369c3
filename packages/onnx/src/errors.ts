/**
 * Errors of `@nidkit/onnx`. All extend core's `NidkitError`, carry a stable `code` and follow
 * `<function>: <what went wrong> — expected <x>, got <y>`.
 */
import { NidkitError } from '@nidkit/core';

/**
 * An ONNX model cannot be imported: malformed protobuf, unsupported opset or domain, an operator
 * outside nidkit's patterns, an inconsistent tensor, unsafe external data or a metadata mismatch.
 * `node` is the node's name (or `#index` when unnamed) and `opType` its op type, when the failure
 * is tied to a node; `tensor` names the tensor when it is tied to one.
 */
export class OnnxImportError extends NidkitError {
  /** The node's name, `#index` for an unnamed node, or null when no node is involved. */
  readonly node: string | null;
  /** The node's op type, or null. */
  readonly opType: string | null;
  /** The tensor involved (initializer, external data), or null. */
  readonly tensor: string | null;
  constructor(
    message: string,
    details: {
      node?: string | null;
      opType?: string | null;
      tensor?: string | null;
      code?: string;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(details.code ?? 'ONNX_IMPORT', message, options);
    this.name = 'OnnxImportError';
    this.node = details.node ?? null;
    this.opType = details.opType ?? null;
    this.tensor = details.tensor ?? null;
  }
}

/** External tensor data was rejected (path traversal, symlink/hard-link escape, bad offset/length). */
export class UnsafeExternalDataError extends OnnxImportError {
  /** The offending `location` value. */
  readonly location: string;
  constructor(message: string, tensor: string, location: string) {
    super(message, { tensor, code: 'ONNX_UNSAFE_EXTERNAL_DATA' });
    this.name = 'UnsafeExternalDataError';
    this.location = location;
  }
}

/** A network cannot be exported or written (bad options, unwritable target, refusing to overwrite). */
export class OnnxExportError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ONNX_EXPORT', message, options);
    this.name = 'OnnxExportError';
  }
}

/** onnxruntime failed to load, to create a session or to run it. */
export class OnnxRuntimeError extends NidkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ONNX_RUNTIME', message, options);
    this.name = 'OnnxRuntimeError';
  }
}
