/**
 * `importOnnx` / `loadOnnxModel`: ONNX bytes or file → nidkit IR, with the import summary and
 * warnings. Every failure is an {@link OnnxImportError} (or a subclass); never a partial network.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Layer, Network } from '@nidkit/core';
import { NidkitError, validateNetwork } from '@nidkit/core';
import { OnnxImportError } from '../errors.js';
import type { IrMeta, LayerMeta } from '../export/metadata.js';
import { META_FORMAT, META_FORMAT_KEY, META_IR_KEY } from '../export/metadata.js';
import type { ModelSummary, OnnxInfo } from '../inspect.js';
import { summarize } from '../inspect.js';
import type { ModelMsg } from '../proto/schema.js';
import { decodeModel, int64ToNumber } from '../proto/schema.js';
import { GraphWalker } from './graph.js';

/** Options of {@link importOnnx}. */
export interface ImportOptions {
  /** Folder against which external-data locations are resolved; without it external data is an error. */
  readonly baseDir?: string;
}

/** What {@link importOnnx} returns. */
export interface ImportResult {
  /** The imported network (validated). */
  readonly network: Network;
  /** Summary for display (`nidkit inspect`), including opset, producer and recording tensors. */
  readonly summary: ModelSummary;
  /** Non-fatal findings: dtype conversions, evaluated subgraphs, … */
  readonly warnings: string[];
}

/** Default-domain opsets the importer accepts. */
export const IMPORT_OPSETS = { min: 11, max: 21 } as const;

function fail(message: string, cause?: unknown): never {
  throw new OnnxImportError(message, {}, cause === undefined ? undefined : { cause });
}

function readOpset(model: ModelMsg): number {
  let opset: number | null = null;
  for (const o of model.opsetImport ?? []) {
    const domain = o.domain ?? '';
    const version = int64ToNumber(o.version);
    if (domain === '' || domain === 'ai.onnx') {
      if (version === null) fail('importOnnx: the default-domain opset version is beyond 2^53 − 1');
      opset = version;
    } else {
      fail(
        `importOnnx: opset domain "${domain}" (version ${version ?? '?'}) is not supported — expected only the default domain ai.onnx`,
      );
    }
  }
  if (opset === null)
    fail('importOnnx: the model imports no default-domain opset — expected one in 11–21');
  if (opset < IMPORT_OPSETS.min || opset > IMPORT_OPSETS.max) {
    fail(
      `importOnnx: unsupported opset — expected ${IMPORT_OPSETS.min}–${IMPORT_OPSETS.max} for domain ai.onnx, got ${opset}`,
    );
  }
  return opset;
}

const f32eq = (a: number, b: number): boolean => Math.fround(a) === Math.fround(b);

function metaMismatch(what: string): never {
  throw new OnnxImportError(`importOnnx: nidkit metadata does not match the graph — ${what}`, {
    code: 'ONNX_METADATA_MISMATCH',
  });
}

/** Checks the `nidkit.ir` description against the graph and restores what the graph cannot hold exactly. */
function applyMetadata(net: Network, meta: IrMeta): Network {
  if (meta.family !== net.family)
    metaMismatch(`family: expected ${meta.family} (metadata), got ${net.family} (graph)`);
  if (!Array.isArray(meta.inputShape) || meta.inputShape.join(',') !== net.inputShape.join(',')) {
    metaMismatch(
      `input shape: expected [${String(meta.inputShape)}], got [${net.inputShape.join(', ')}]`,
    );
  }
  if (!Array.isArray(meta.layers) || meta.layers.length !== net.layers.length) {
    metaMismatch(
      `layer count: expected ${Array.isArray(meta.layers) ? meta.layers.length : '?'}, got ${net.layers.length}`,
    );
  }
  const layers = net.layers.map((layer, k): Layer => {
    const m = meta.layers[k] as LayerMeta;
    const where = `layers[${k}]`;
    if (!m || m.type !== layer.type)
      metaMismatch(`${where}: expected ${m?.type}, got ${layer.type}`);
    switch (layer.type) {
      case 'flatten':
        return layer;
      case 'input-norm': {
        const mm = m as Extract<LayerMeta, { type: 'input-norm' }>;
        if (!f32eq(mm.mean, layer.mean) || !f32eq(mm.std, layer.std))
          metaMismatch(`${where}: input normalization differs`);
        return { type: 'input-norm', mean: mm.mean, std: mm.std };
      }
      case 'linear': {
        const mm = m as Extract<LayerMeta, { type: 'linear' }>;
        if (
          mm.index !== layer.index ||
          mm.out !== layer.weight.shape[0] ||
          mm.in !== layer.weight.shape[1] ||
          mm.bias !== (layer.bias !== null)
        ) {
          metaMismatch(`lins.${layer.index}: shape or bias differs`);
        }
        const fixed = layer.fixed;
        if ((mm.fixed?.kind ?? null) !== (fixed?.kind ?? null)) {
          metaMismatch(
            `lins.${layer.index}: fixed part expected ${mm.fixed?.kind ?? 'none'}, got ${fixed?.kind ?? 'none'}`,
          );
        }
        const { fixed: _f, frozen: _fr, ...rest } = layer;
        let out: Layer = { ...rest };
        if (fixed && mm.fixed) {
          if (!f32eq(mm.fixed.kappa, fixed.kappa))
            metaMismatch(`lins.${layer.index}: κ expected ${mm.fixed.kappa}, got ${fixed.kappa}`);
          if (fixed.kind === 'mask') {
            const { numFixed: _n, ...fr } = fixed;
            out = {
              ...out,
              fixed: {
                ...fr,
                kappa: mm.fixed.kappa,
                ...(mm.fixed.numFixed !== undefined ? { numFixed: mm.fixed.numFixed } : {}),
              },
            };
          } else {
            out = { ...out, fixed: { ...fixed, kappa: mm.fixed.kappa } };
          }
        }
        if (mm.frozen) out = { ...out, frozen: true };
        return out;
      }
      case 'norm': {
        const mm = m as Extract<LayerMeta, { type: 'norm' }>;
        if (mm.index !== layer.index || mm.kind !== layer.kind || !f32eq(mm.eps, layer.eps))
          metaMismatch(`norms.${layer.index}: kind or eps differs`);
        const { momentum: _m, numBatchesTracked: _nb, ...rest } = layer;
        return {
          ...rest,
          eps: mm.eps,
          ...(mm.momentum !== undefined ? { momentum: mm.momentum } : {}),
          ...(mm.numBatchesTracked !== undefined
            ? { numBatchesTracked: mm.numBatchesTracked }
            : {}),
        };
      }
      case 'act': {
        const mm = m as Extract<LayerMeta, { type: 'act' }>;
        if (mm.index !== layer.index || mm.kind !== layer.kind)
          metaMismatch(`activations.${layer.index}: expected ${mm.kind}, got ${layer.kind}`);
        return layer;
      }
      case 'gate':
        if ((m as Extract<LayerMeta, { type: 'gate' }>).index !== layer.index)
          metaMismatch(`activations.${layer.index}: gate index differs`);
        return layer;
    }
  });
  const netMeta =
    meta.meta !== null && typeof meta.meta === 'object' && !Array.isArray(meta.meta)
      ? meta.meta
      : {};
  return { ...net, layers, meta: netMeta };
}

/**
 * Imports an ONNX model (protobuf bytes) into nidkit's IR.
 *
 * Reads `ModelProto` with nidkit's own parser (opset 11–21, default domain only), decodes
 * initializers (raw_data copied before viewing, int64 dims through a safe-integer check, sizes
 * checked before allocating), evaluates constant subgraphs, and walks the single chain from input
 * to output matching the operator patterns of onnx.md §2. W-/syre-asymmetric structure is restored
 * from the effective-weight subgraph (`Where(D, W, κN)`, `W⊙D + (1−D)⊙κN`, `W + κN`) and checked
 * against nidkit metadata when present.
 *
 * @param bytes - the serialized model
 * @param options - `baseDir` for external data
 * @returns `{ network, summary, warnings }`
 * @throws OnnxImportError naming the node, op type, domain and opset (or the tensor) on any failure;
 *   UnsafeExternalDataError for rejected external data
 */
export function importOnnx(bytes: Uint8Array, options: ImportOptions = {}): ImportResult {
  if (!(bytes instanceof Uint8Array))
    fail(`importOnnx: bytes — expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0)
    fail('importOnnx: not an ONNX model — expected a ModelProto, got 0 bytes');
  try {
    return importInner(bytes, options);
  } catch (e) {
    if (e instanceof OnnxImportError) throw e;
    if (e instanceof NidkitError)
      fail(`importOnnx: the imported network is invalid — ${e.message}`, e);
    return fail(
      `importOnnx: the model cannot be imported — ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
}

function importInner(bytes: Uint8Array, options: ImportOptions): ImportResult {
  let model: ModelMsg;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    return fail(
      `importOnnx: not an ONNX model — the protobuf cannot be decoded (${e instanceof Error ? e.message : String(e)}), ${bytes.length} bytes`,
      e,
    );
  }
  if (!model.graph)
    fail(
      `importOnnx: not an ONNX model — expected a ModelProto with a graph, got none (${bytes.length} bytes)`,
    );
  const opset = readOpset(model);
  const irVersion = int64ToNumber(model.irVersion) ?? 0;
  const warnings: string[] = [];
  const walker = new GraphWalker(model.graph, opset, {
    baseDir: options.baseDir ? resolve(options.baseDir) : null,
    warnings,
  });
  walker.prepare();
  const g = walker.walk();
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const hasLayerKind = (kind: string): boolean =>
    g.layers.some((l) => l.type === 'linear' && l.fixed?.kind === kind);
  const family: Network['family'] = g.layers.some((l) => l.type === 'gate')
    ? 'sigma-asym'
    : hasLayerKind('mask')
      ? 'w-asym'
      : hasLayerKind('noise')
        ? 'syre'
        : 'standard';
  let net: Network = {
    family,
    inputShape: g.inputShape,
    layers: g.layers,
    meta: {
      provenance: {
        format: 'onnx',
        producer:
          [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
        opset,
      },
    },
  };
  let nidkitMetadata = false;
  if (props.has(META_FORMAT_KEY)) {
    if (props.get(META_FORMAT_KEY) !== META_FORMAT) {
      warnings.push(`unknown nidkit metadata format "${props.get(META_FORMAT_KEY)}" ignored`);
    } else {
      let meta: IrMeta;
      try {
        meta = JSON.parse(props.get(META_IR_KEY) ?? '') as IrMeta;
      } catch (e) {
        return fail(`importOnnx: metadata "${META_IR_KEY}" is not valid JSON`, e);
      }
      if (meta === null || typeof meta !== 'object')
        fail(`importOnnx: metadata "${META_IR_KEY}" — expected an object`);
      net = applyMetadata(net, meta);
      nidkitMetadata = true;
    }
  }
  validateNetwork(net);
  const notes: string[] = [];
  const prov = net.meta.provenance;
  const folded = typeof prov?.['densifiedFrom'] === 'string';
  if (folded)
    notes.push(
      `folded export of a ${String(prov['densifiedFrom'])} model: the fixed parts were folded into dense effective weights, so it imports as a standard network`,
    );
  else if (family === 'standard' && !nidkitMetadata) {
    notes.push(
      "no fixed asymmetric parts found: a W-/syre-asymmetric model exported with constant folding (PyTorch's default) contains only its effective weights and imports as a standard network",
    );
  }
  if (g.densified.length > 0)
    notes.push(
      `effective-weight subgraphs of layers ${g.densified.join(', ')} were evaluated to dense weights`,
    );
  const info: OnnxInfo = {
    opset,
    irVersion,
    producer: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    nidkitMetadata,
    folded,
    recordingTensors: g.recordingTensors,
  };
  return { network: net, summary: summarize(net, info, notes), warnings };
}

/** Largest model file nidkit reads (protobuf's 2 GiB limit). */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/**
 * Reads and imports an ONNX file; external data is resolved safely inside the file's folder.
 * @param path - the `.onnx` file
 * @returns `{ network, summary, warnings }` (provenance records the source path for foreign files)
 * @throws OnnxImportError when the file cannot be read or imported
 */
export async function loadOnnxModel(path: string): Promise<ImportResult> {
  let bytes: Uint8Array;
  try {
    const st = await stat(path);
    if (!st.isFile()) fail(`loadOnnxModel: "${path}" — expected a regular file`);
    if (st.size > MAX_MODEL_BYTES)
      fail(
        `loadOnnxModel: "${path}" is too large — expected at most ${MAX_MODEL_BYTES} bytes, got ${st.size}`,
      );
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof OnnxImportError) throw e;
    return fail(`loadOnnxModel: cannot read "${path}" — ${(e as Error).message}`, e);
  }
  const r = importOnnx(bytes, { baseDir: dirname(resolve(path)) });
  if (r.summary.onnx?.nidkitMetadata) return r;
  const network: Network = {
    ...r.network,
    meta: {
      ...r.network.meta,
      provenance: { ...(r.network.meta.provenance ?? {}), source: resolve(path) },
    },
  };
  return { ...r, network };
}
