/**
 * A plain-JSON summary of a network (what `nidkit inspect` prints): layers, widths, activations,
 * norms, family and fixed parts, parameter counts, and — for imported models — opset and producer.
 */
import type { Family, Network, ParameterCount } from '@nidkit/core';
import { blocksOf, countParameters, layerWidths } from '@nidkit/core';

/** One linear block of a {@link ModelSummary}. */
export interface LayerSummary {
  /** Linear layer index `l` (`lins.{l}`). */
  readonly index: number;
  readonly in: number;
  readonly out: number;
  readonly bias: boolean;
  /** `mask` (W-asym), `noise` (syre) or null (dense). */
  readonly fixed: 'mask' | 'noise' | null;
  /** κ of the fixed part, or null. */
  readonly kappa: number | null;
  /** Fixed entries per row (W-asym), when known. */
  readonly numFixed: number | null;
  /** `layer`, `batch` or null. */
  readonly norm: 'layer' | 'batch' | null;
  /** `relu`, `gelu`, `gelu_tanh`, `identity`, `gate` (σ-asymmetric) or null (output layer). */
  readonly activation: string | null;
}

/** Summary of a network (and of the ONNX file it came from, after import). Plain JSON. */
export interface ModelSummary {
  readonly schemaVersion: 1;
  readonly family: Family;
  readonly inputShape: number[];
  /** `[in, h_0, …, out]`. */
  readonly widths: number[];
  readonly layers: LayerSummary[];
  /** Distinct activation kinds of the hidden layers. */
  readonly activations: string[];
  /** Distinct norm kinds of the hidden layers (`none` when a hidden layer has none). */
  readonly norms: string[];
  /** Input normalization `(x − mean)/std`, when present. */
  readonly inputNorm: { mean: number; std: number } | null;
  readonly parameters: ParameterCount;
  /** ONNX information; null for a network that was not imported. */
  readonly onnx: OnnxInfo | null;
  /** Notes for the reader (e.g. that a folded export imports as dense). */
  readonly notes: string[];
}

/** What the ONNX file said about itself. */
export interface OnnxInfo {
  readonly opset: number;
  readonly irVersion: number;
  readonly producer: string;
  readonly producerVersion: string;
  /** True when the file carried nidkit metadata (`nidkit.format`). */
  readonly nidkitMetadata: boolean;
  /** True when the weights are dense effective weights of an asymmetric model, as far as known. */
  readonly folded: boolean;
  /** ONNX tensor name per recording point (`post_activation@0`, …). */
  readonly recordingTensors: Record<string, string>;
}

/**
 * Summarizes a network as plain JSON.
 * @param net - any valid network
 * @returns the summary (no ONNX information; see `importOnnx` for that)
 * @throws InvalidNetworkError when the layer chain is not in the IR's order
 */
export function inspectNetwork(net: Network): ModelSummary {
  return summarize(net, null, []);
}

/** Summary with optional ONNX information and notes. */
export function summarize(net: Network, onnx: OnnxInfo | null, notes: string[]): ModelSummary {
  const blocks = blocksOf(net);
  const layers: LayerSummary[] = blocks.map((b) => {
    const f = b.linear.fixed;
    return {
      index: b.index,
      in: b.linear.weight.shape[1]!,
      out: b.linear.weight.shape[0]!,
      bias: b.linear.bias !== null,
      fixed: f ? f.kind : null,
      kappa: f ? f.kappa : null,
      numFixed: f?.kind === 'mask' && f.numFixed !== undefined ? f.numFixed : null,
      norm: b.norm ? b.norm.kind : null,
      activation: b.activation ? (b.activation.type === 'gate' ? 'gate' : b.activation.kind) : null,
    };
  });
  const hidden = layers.slice(0, -1);
  const inputNorm = net.layers.find((l) => l.type === 'input-norm');
  return {
    schemaVersion: 1,
    family: net.family,
    inputShape: [...net.inputShape],
    widths: layerWidths(net),
    layers,
    activations: [...new Set(hidden.map((l) => l.activation ?? 'none'))],
    norms: [...new Set(hidden.map((l) => l.norm ?? 'none'))],
    inputNorm:
      inputNorm?.type === 'input-norm' ? { mean: inputNorm.mean, std: inputNorm.std } : null,
    parameters: countParameters(net),
    onnx,
    notes,
  };
}
