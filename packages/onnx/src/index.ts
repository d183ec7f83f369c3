/**
 * `@nidkit/onnx` — nidkit's ONNX front door and fast engine: import real ONNX models (PyTorch
 * exports of standard, W-, σ- and syre-asymmetric MLPs) into the network IR, write the IR back to
 * ONNX with its fixed asymmetric parts intact, and evaluate networks in onnxruntime-node through
 * core's `Evaluator` interface.
 * @packageDocumentation
 */
export {
  OnnxImportError,
  UnsafeExternalDataError,
  OnnxExportError,
  OnnxRuntimeError,
} from './errors.js';
export { importOnnx, loadOnnxModel, IMPORT_OPSETS } from './import/import.js';
export type { ImportOptions, ImportResult } from './import/import.js';
export { exportOnnx, EXPORT_OPSETS } from './export/export.js';
export type { ExportOptions } from './export/export.js';
export { saveOnnxModel } from './export/save.js';
export type { SaveOptions } from './export/save.js';
export { inspectNetwork } from './inspect.js';
export type { ModelSummary, LayerSummary, OnnxInfo } from './inspect.js';
export { createOnnxEvaluator } from './runtime/evaluator.js';
export type { OnnxEvaluatorOptions } from './runtime/evaluator.js';
