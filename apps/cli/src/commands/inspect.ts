/** `nidkit inspect <model.onnx>`: what an ONNX file imports as, or why it does not. */
import { blocksOf, countParameters, layerWidths } from '@nidkit/core';
import type { Block, Network } from '@nidkit/core';
import { fmt, int, table } from '../io/format.js';
import { toJson } from '../io/output.js';
import { envelope, loadModel } from './shared.js';

/** Options of {@link inspectCommand}. */
export interface InspectOptions {
  readonly json?: boolean;
}

/** One layer of the inspection table. */
export interface LayerDescription {
  readonly layer: string;
  readonly shape: [number, number];
  readonly bias: boolean;
  readonly norm: string;
  readonly activation: string;
  readonly structure: string;
  readonly kappa: number | null;
  readonly numFixed: number | null;
}

function structureOf(b: Block): Pick<LayerDescription, 'structure' | 'kappa' | 'numFixed'> {
  const f = b.linear.fixed;
  if (!f) return { structure: 'dense', kappa: null, numFixed: null };
  if (f.kind === 'mask') {
    let zeros = 0;
    for (const v of f.mask.data) if (v === 0) zeros++;
    const rows = f.mask.shape[0]!;
    return { structure: 'W-mask', kappa: f.kappa, numFixed: f.numFixed ?? zeros / rows };
  }
  return { structure: 'syre noise', kappa: f.kappa, numFixed: null };
}

/** Describes every linear layer of a network (shape, norm, activation, fixed structure). */
export function describeLayers(net: Network): LayerDescription[] {
  return blocksOf(net).map((b) => {
    const act = b.activation;
    return {
      layer: `lins.${b.index}`,
      shape: [b.linear.weight.shape[0]!, b.linear.weight.shape[1]!],
      bias: b.linear.bias !== null,
      norm: b.norm ? (b.norm.kind === 'layer' ? 'LayerNorm' : 'BatchNorm') : '—',
      activation: act === null ? '—' : act.type === 'gate' ? 'σ-gate' : act.kind,
      ...structureOf(b),
    };
  });
}

const FAMILY_NAMES: Record<string, string> = {
  standard: 'standard MLP',
  'w-asym': 'W-asymmetric MLP (W-MLP)',
  'sigma-asym': 'σ-asymmetric MLP (σ-MLP)',
  syre: 'syre-asymmetric MLP (𝒩-MLP)',
};

/**
 * Prints what `path` imports as: family, widths, per-layer norm/activation/fixed structure,
 * parameter counts, and the importer's summary (opset, producer, …). An ONNX file whose fixed
 * parts were constant-folded imports as a dense standard network, which the table says.
 * @throws InputFileError, OnnxImportError
 */
export async function inspectCommand(path: string, opts: InspectOptions): Promise<void> {
  const m = await loadModel(path, { quiet: opts.json ?? false });
  const net = m.network;
  const layers = describeLayers(net);
  const params = countParameters(net);
  const folded = m.summary.onnx?.folded ?? false;
  const result = envelope('inspect', {
    file: path,
    family: net.family,
    inputShape: [...net.inputShape],
    widths: layerWidths(net),
    layers,
    parameters: params,
    structure:
      layers.some((l) => l.structure !== 'dense') || net.family === 'sigma-asym'
        ? 'asymmetric'
        : folded
          ? 'dense (folded)'
          : 'dense',
    meta: net.meta,
    onnx: m.summary.onnx,
    notes: m.summary.notes,
    warnings: [...m.warnings],
  });
  if (opts.json) {
    process.stdout.write(toJson(result));
    return;
  }
  const lines = [
    `${path}: ${FAMILY_NAMES[net.family] ?? net.family}, widths ${layerWidths(net).join('-')}, input shape [${net.inputShape.join(', ')}]`,
    `structure: ${result.structure}`,
    '',
    table(
      [
        'layer',
        'weight [out, in]',
        'bias',
        'norm',
        'activation',
        'fixed structure',
        'κ',
        'fixed/row',
      ],
      layers.map((l) => [
        l.layer,
        `[${l.shape.join(', ')}]`,
        l.bias ? 'yes' : 'no',
        l.norm,
        l.activation,
        l.structure,
        l.kappa === null ? '—' : fmt(l.kappa, 3),
        l.numFixed === null ? '—' : String(l.numFixed),
      ]),
    ),
    '',
    `parameters: ${int(params.trainable)} trainable (${int(params.free)} free, ${int(params.maskedEntries)} pinned by masks), ${int(params.nonTrainable)} fixed/buffer scalars`,
  ];
  const onnx = m.summary.onnx;
  if (onnx) {
    lines.push(
      `ONNX: opset ${onnx.opset}, IR version ${onnx.irVersion}, producer ${onnx.producer || 'unknown'}${onnx.producerVersion ? ` ${onnx.producerVersion}` : ''}` +
        `${onnx.nidkitMetadata ? ', nidkit metadata present' : ''}${onnx.folded ? ', fixed parts folded into dense weights' : ''}`,
    );
  }
  if (m.summary.inputNorm)
    lines.push(
      `input normalization: (x − ${m.summary.inputNorm.mean}) / ${m.summary.inputNorm.std}`,
    );
  for (const n of m.summary.notes) lines.push(`note: ${n}`);
  for (const w of m.warnings) lines.push(`warning: ${w}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
