/**
 * IR → ONNX. The graph keeps the fixed asymmetric parts as their own initializers and computes the
 * effective weight in the graph (onnx.md §4), names every intermediate tensor after its recording
 * point and stores nidkit's metadata, so that import(export(net)) reproduces `net` bit for bit.
 */
import type { Network } from '@nidkit/core';
import { NidkitError, blocksOf, toDense, validateNetwork } from '@nidkit/core';
import { OnnxExportError } from '../errors.js';
import { attr, boolTensor, floatTensor, node, valueInfo } from '../proto/build.js';
import type { ModelMsg, NodeMsg, TensorMsg, ValueInfoMsg } from '../proto/schema.js';
import { DataType, encodeModel } from '../proto/schema.js';
import { META_FORMAT, META_FORMAT_KEY, META_IR_KEY, canonicalJson, irMeta } from './metadata.js';

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /** Default-domain opset, 14–21 (default 17, IR version 8). Opset ≥ 20 writes GELU as the `Gelu` op. */
  readonly opset?: number;
  /** Write a plain dense network with effective weights and no fixed parts (imports as `standard`). */
  readonly fold?: boolean;
}

/** Lowest and highest opset nidkit writes. */
export const EXPORT_OPSETS = { min: 14, max: 21 } as const;

const IR_VERSION: Readonly<Record<number, number>> = {
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
};

/** A tensor fed as a graph input when weights are inputs (the evaluator's session-per-architecture mode). */
export interface ParamFeed {
  readonly name: string;
  readonly type: 'float32' | 'bool';
  readonly data: Float32Array | Uint8Array;
  readonly dims: readonly number[];
}

/** Internal build options. */
export interface BuildOptions {
  readonly opset: number;
  /** Parameters become graph inputs instead of initializers; their values are returned as feeds. */
  readonly weightsAsInputs?: boolean;
  /** Extra tensor names appended to `graph.output` (activation recording). */
  readonly extraOutputs?: readonly string[];
  /** Omit metadata (runtime sessions do not need it). */
  readonly noMetadata?: boolean;
}

/** The tensor names of the recording points in nidkit's exports. */
export interface GraphNames {
  /** Graph input name. */
  readonly input: string;
  /** Input of `lins.l` (index l). */
  readonly linearInput: string[];
  /** Output of `lins.l` (the last one is `logits`). */
  readonly postLinear: string[];
  /** Output of the norm of hidden layer l (= post-linear when it has no norm). */
  readonly postNorm: string[];
  /** Output of the activation or gate of hidden layer l. */
  readonly postActivation: string[];
  /** Graph output. */
  readonly output: string;
}

class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  readonly paramInputs: ValueInfoMsg[] = [];
  readonly feeds: ParamFeed[] = [];
  private readonly constants = new Map<string, TensorMsg>();
  private readonly nodeNames = new Set<string>();
  constructor(private readonly asInputs: boolean) {}

  param(name: string, data: Float32Array, dims: readonly number[], bool = false): string {
    if (this.asInputs) {
      const u8 = bool ? Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0)) : null;
      this.feeds.push({ name, type: bool ? 'bool' : 'float32', data: u8 ?? data, dims: [...dims] });
      this.paramInputs.push(valueInfo(name, bool ? DataType.BOOL : DataType.FLOAT, dims));
    } else {
      this.initializers.push(bool ? boolTensor(name, data, dims) : floatTensor(name, data, dims));
    }
    return name;
  }

  scalar(name: string, value: number): string {
    if (!this.constants.has(name))
      this.constants.set(name, floatTensor(name, Float32Array.of(value), []));
    return name;
  }

  add(
    opType: string,
    inputs: readonly string[],
    output: string,
    attributes: ReturnType<typeof attr.int>[] = [],
  ): string {
    let name = `${output}/${opType}`;
    for (let k = 1; this.nodeNames.has(name); k++) name = `${output}/${opType}_${k}`;
    this.nodeNames.add(name);
    this.nodes.push(node(opType, inputs, [output], name, attributes));
    return output;
  }

  allInitializers(): TensorMsg[] {
    return [...this.initializers, ...this.constants.values()];
  }
}

function checkOpset(where: string, opset: number): void {
  if (!Number.isInteger(opset) || opset < EXPORT_OPSETS.min || opset > EXPORT_OPSETS.max) {
    throw new OnnxExportError(
      `${where}: unsupported opset — expected an integer in ${EXPORT_OPSETS.min}–${EXPORT_OPSETS.max}, got ${opset}`,
    );
  }
}

function writeGelu(g: GraphBuilder, x: string, out: string, tanh: boolean, opset: number): void {
  if (opset >= 20) {
    g.add('Gelu', [x], out, tanh ? [attr.string('approximate', 'tanh')] : []);
    return;
  }
  const p = out;
  const one = g.scalar('nidkit.const.one', 1);
  const half = g.scalar('nidkit.const.half', 0.5);
  let inner: string;
  if (tanh) {
    const cube = g.add('Pow', [x, g.scalar('nidkit.const.three', 3)], `${p}.cube`);
    const scaled = g.add(
      'Mul',
      [cube, g.scalar('nidkit.const.gelu_a', 0.044715)],
      `${p}.cube_scaled`,
    );
    const sum = g.add('Add', [x, scaled], `${p}.poly`);
    const arg = g.add(
      'Mul',
      [sum, g.scalar('nidkit.const.sqrt_2_over_pi', Math.sqrt(2 / Math.PI))],
      `${p}.tanh_arg`,
    );
    inner = g.add('Tanh', [arg], `${p}.tanh`);
  } else {
    const div = g.add('Div', [x, g.scalar('nidkit.const.sqrt2', Math.SQRT2)], `${p}.scaled`);
    inner = g.add('Erf', [div], `${p}.erf`);
  }
  const plus = g.add('Add', [inner, one], `${p}.one_plus`);
  const prod = g.add('Mul', [x, plus], `${p}.x_times`);
  g.add('Mul', [prod, half], out);
}

/**
 * Builds the ONNX model message of `net` plus the tensor names of its recording points.
 * @throws OnnxExportError for an unsupported opset; InvalidNetworkError for an invalid network
 */
export function buildModel(
  net: Network,
  options: BuildOptions,
): { model: ModelMsg; names: GraphNames; feeds: ParamFeed[] } {
  checkOpset('exportOnnx', options.opset);
  validateNetwork(net);
  const opset = options.opset;
  const g = new GraphBuilder(options.weightsAsInputs ?? false);
  const blocks = blocksOf(net);
  const L = blocks.length;
  const names = {
    input: 'input',
    linearInput: [] as string[],
    postLinear: [] as string[],
    postNorm: [] as string[],
    postActivation: [] as string[],
    output: 'logits',
  };
  let h = 'input';
  for (const layer of net.layers) {
    if (layer.type === 'input-norm') {
      const mean = g.param('input_norm.mean', Float32Array.of(layer.mean), []);
      const std = g.param('input_norm.std', Float32Array.of(layer.std), []);
      const centred = g.add('Sub', [h, mean], 'input_norm.centred');
      h = g.add('Div', [centred, std], 'input_norm.out');
    } else if (layer.type === 'flatten') {
      h = g.add('Flatten', [h], 'flatten.out', [attr.int('axis', 1)]);
    }
  }
  for (const b of blocks) {
    const l = b.index;
    const lin = b.linear;
    names.linearInput.push(h);
    let w = g.param(`lins.${l}.weight`, lin.weight.data, lin.weight.shape);
    const fixed = lin.fixed;
    if (fixed) {
      const kappa = g.param(`lins.${l}.kappa`, Float32Array.of(fixed.kappa), []);
      if (fixed.kind === 'mask') {
        const mask = g.param(`lins.${l}.mask`, fixed.mask.data, fixed.mask.shape, true);
        const normal = g.param(`lins.${l}.normal_mask`, fixed.normal.data, fixed.normal.shape);
        const f = g.add('Mul', [kappa, normal], `lins.${l}.fixed`);
        w = g.add('Where', [mask, w, f], `lins.${l}.weight_eff`);
      } else {
        const noise = g.param(`lins.${l}.noise`, fixed.noise.data, fixed.noise.shape);
        const f = g.add('Mul', [kappa, noise], `lins.${l}.fixed`);
        w = g.add('Add', [w, f], `lins.${l}.weight_eff`);
      }
    }
    const inputs = [h, w];
    if (lin.bias) inputs.push(g.param(`lins.${l}.bias`, lin.bias.data, lin.bias.shape));
    const z = g.add('Gemm', inputs, l === L - 1 ? 'logits' : `lins.${l}.out`, [
      attr.int('transB', 1),
    ]);
    names.postLinear.push(z);
    h = z;
    if (b.norm) {
      const n = b.norm;
      const gamma = g.param(`norms.${l}.weight`, n.gamma.data, n.gamma.shape);
      const beta = g.param(`norms.${l}.bias`, n.beta.data, n.beta.shape);
      const out = `norms.${l}.out`;
      if (n.kind === 'batch') {
        const mean = g.param(`norms.${l}.running_mean`, n.runningMean!.data, n.runningMean!.shape);
        const variance = g.param(`norms.${l}.running_var`, n.runningVar!.data, n.runningVar!.shape);
        h = g.add('BatchNormalization', [h, gamma, beta, mean, variance], out, [
          attr.float('epsilon', n.eps),
          attr.float('momentum', 0.9),
        ]);
      } else if (opset >= 17) {
        h = g.add('LayerNormalization', [h, gamma, beta], out, [
          attr.int('axis', -1),
          attr.float('epsilon', n.eps),
        ]);
      } else {
        const p = `norms.${l}`;
        const mean = g.add('ReduceMean', [h], `${p}.mean`, [
          attr.ints('axes', [-1]),
          attr.int('keepdims', 1),
        ]);
        const d = g.add('Sub', [h, mean], `${p}.centred`);
        const sq = g.add('Pow', [d, g.scalar('nidkit.const.two', 2)], `${p}.squared`);
        const v = g.add('ReduceMean', [sq], `${p}.var`, [
          attr.ints('axes', [-1]),
          attr.int('keepdims', 1),
        ]);
        const ve = g.add('Add', [v, g.scalar(`${p}.eps`, n.eps)], `${p}.var_eps`);
        const s = g.add('Sqrt', [ve], `${p}.std`);
        const nrm = g.add('Div', [d, s], `${p}.normalized`);
        const scaled = g.add('Mul', [nrm, gamma], `${p}.scaled`);
        h = g.add('Add', [scaled, beta], out);
      }
    }
    if (b.activation) {
      names.postNorm.push(h);
      const out = `act.${l}.out`;
      const act = b.activation;
      if (act.type === 'gate') {
        const c = g.param(`activations.${l}.C`, act.C.data, act.C.shape);
        const pre = g.add('Gemm', [h, c], `activations.${l}.pre`, [attr.int('transB', 1)]);
        const sig = g.add('Sigmoid', [pre], `activations.${l}.sigmoid`);
        h = g.add('Mul', [h, sig], out);
      } else if (act.kind === 'relu') {
        h = g.add('Relu', [h], out);
      } else if (act.kind === 'gelu' || act.kind === 'gelu_tanh') {
        writeGelu(g, h, out, act.kind === 'gelu_tanh', opset);
        h = out;
      } else {
        h = g.add('Identity', [h], out);
      }
      names.postActivation.push(h);
    }
  }
  const outDim = blocks[L - 1]!.linear.weight.shape[0]!;
  const outputs = [valueInfo('logits', DataType.FLOAT, ['N', outDim])];
  for (const extra of options.extraOutputs ?? []) {
    if (extra !== 'logits' && !outputs.some((o) => o.name === extra))
      outputs.push(valueInfo(extra, DataType.FLOAT, null));
  }
  const metadataProps = options.noMetadata
    ? []
    : [
        { key: META_FORMAT_KEY, value: META_FORMAT },
        { key: META_IR_KEY, value: canonicalJson(irMeta(net)) },
      ];
  const model: ModelMsg = {
    irVersion: IR_VERSION[opset]!,
    producerName: 'nidkit',
    producerVersion: '1',
    graph: {
      node: g.nodes,
      name: 'nidkit',
      initializer: g.allInitializers(),
      input: [valueInfo('input', DataType.FLOAT, ['N', ...net.inputShape]), ...g.paramInputs],
      output: outputs,
    },
    opsetImport: [{ domain: '', version: opset }],
  };
  if (metadataProps.length > 0) model.metadataProps = metadataProps;
  return { model, names, feeds: g.feeds };
}

/** The network actually written for `fold`: effective weights, no fixed parts (σ-gates stay). */
export function foldNetwork(net: Network): Network {
  if (net.family === 'sigma-asym' || net.family === 'standard') return net;
  return toDense(net);
}

/**
 * Writes `net` as an ONNX model (deterministic bytes, float data as little-endian `raw_data`).
 *
 * Graph: input `input` `[N, …inputShape]` → (`Flatten`) → per layer `Gemm(h, W_eff, b, transB=1)`
 * → `LayerNormalization` | `BatchNormalization` → activation or σ-gate `Mul(z, Sigmoid(Gemm(z, C, transB=1)))`
 * → … → `logits`. Fixed parts stay initializers with their state-dict names and the effective weight
 * is computed in the graph: W-asym `W_eff = Where(D, W, κ·N)`, syre `W_eff = W + κ·N` (models.md §4, §6).
 * Metadata `nidkit.format`/`nidkit.ir` records family, κ, num_fixed, eps, seeds and provenance.
 *
 * @param net - a valid network
 * @param options - `opset` 14–21 (default 17), `fold` to write dense effective weights
 * @returns the serialized ModelProto
 * @throws OnnxExportError for an unsupported opset; InvalidNetworkError / NonFiniteError for an invalid network
 */
export function exportOnnx(net: Network, options: ExportOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  checkOpset('exportOnnx', opset);
  const target = options.fold ? foldNetwork(net) : net;
  try {
    return encodeModel(buildModel(target, { opset }).model);
  } catch (e) {
    if (e instanceof NidkitError) throw e;
    throw new OnnxExportError(`exportOnnx: serialization failed — ${(e as Error).message}`, {
      cause: e,
    });
  }
}
