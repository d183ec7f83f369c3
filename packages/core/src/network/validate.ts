import { InvalidNetworkError, NonFiniteError, formatShape } from '../errors.js';
import { countNonFinite } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { blocksOf } from './blocks.js';
import type { Network } from './types.js';

const FAMILIES = new Set(['standard', 'w-asym', 'sigma-asym', 'syre']);

function checkTensor(name: string, t: Tensor, shape: readonly number[], finite = true): void {
  if (!(t.data instanceof Float32Array)) {
    throw new InvalidNetworkError(name, 'model tensors must be Float32Array');
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (
    t.shape.length !== shape.length ||
    t.shape.some((d, i) => d !== shape[i]) ||
    t.data.length !== n
  ) {
    throw new InvalidNetworkError(
      name,
      `shape mismatch — expected ${formatShape(shape)}, got ${formatShape(t.shape)} (data length ${t.data.length})`,
    );
  }
  if (finite) {
    const bad = countNonFinite(t.data);
    if (bad > 0) throw new NonFiniteError(name, bad);
  }
}

/**
 * Checks every rule of the IR and returns the network unchanged:
 * layer order, consecutive indices, weight/bias/norm/gate shapes chained through the widths,
 * masks with entries exactly 0/1 (and the declared number of zeros per row), κ finite and only
 * with a fixed part, finite weights, BatchNorm statistics present and variances ≥ 0, and a family
 * consistent with the structure.
 * @throws InvalidNetworkError naming the offending tensor or layer; NonFiniteError for NaN/Inf.
 */
export function validateNetwork(net: Network): Network {
  if (!FAMILIES.has(net.family)) {
    throw new InvalidNetworkError(
      'network',
      `unknown family "${String(net.family)}" — expected standard, w-asym, sigma-asym or syre`,
    );
  }
  if (
    !Array.isArray(net.inputShape) ||
    net.inputShape.length === 0 ||
    net.inputShape.some((d) => !Number.isSafeInteger(d) || d <= 0)
  ) {
    throw new InvalidNetworkError(
      'network.inputShape',
      `must be a non-empty list of positive integers, got ${JSON.stringify(net.inputShape)}`,
    );
  }
  if (net.inputShape.length > 1 && !net.layers.some((l) => l.type === 'flatten')) {
    throw new InvalidNetworkError(
      'network',
      `input shape ${formatShape(net.inputShape)} needs a flatten layer`,
    );
  }
  const blocks = blocksOf(net);
  if (blocks.length === 0) throw new InvalidNetworkError('network', 'has no linear layer');
  let width: number = (net.inputShape as readonly number[]).reduce((a, b) => a * b, 1);
  const kinds = new Set<string>();
  blocks.forEach((b, position) => {
    const l = b.linear.index;
    if (l !== position)
      throw new InvalidNetworkError(
        `lins.${l}`,
        `linear layers must be numbered 0..L−1 in order; expected index ${position}`,
      );
    const out = b.linear.weight.shape[0] ?? -1;
    checkTensor(`lins.${l}.weight`, b.linear.weight, [out, width]);
    if (out <= 0) throw new InvalidNetworkError(`lins.${l}.weight`, 'has no output units');
    if (b.linear.bias) checkTensor(`lins.${l}.bias`, b.linear.bias, [out]);
    const fixed = b.linear.fixed;
    if (fixed) {
      kinds.add(fixed.kind);
      if (!Number.isFinite(fixed.kappa))
        throw new InvalidNetworkError(`lins.${l}`, `κ must be finite, got ${fixed.kappa}`);
      if (fixed.kind === 'mask') {
        checkTensor(`lins.${l}.mask`, fixed.mask, [out, width]);
        checkTensor(`lins.${l}.normal_mask`, fixed.normal, [out, width]);
        const d = fixed.mask.data;
        for (let i = 0; i < d.length; i++) {
          if (d[i] !== 0 && d[i] !== 1) {
            throw new InvalidNetworkError(
              `lins.${l}.mask`,
              `entries must be exactly 0 or 1 — got ${d[i]} at row ${Math.floor(i / width)}, column ${i % width}`,
            );
          }
        }
        if (fixed.numFixed !== undefined) {
          for (let r = 0; r < out; r++) {
            let zeros = 0;
            for (let c = 0; c < width; c++) if (d[r * width + c] === 0) zeros++;
            if (zeros !== fixed.numFixed) {
              throw new InvalidNetworkError(
                `lins.${l}.mask`,
                `row ${r} has ${zeros} fixed entries — expected numFixed = ${fixed.numFixed}`,
              );
            }
          }
        }
      } else {
        checkTensor(`lins.${l}.noise`, fixed.noise, [out, width]);
      }
    }
    const isLast = position === blocks.length - 1;
    if (isLast && (b.norm || b.activation)) {
      throw new InvalidNetworkError(
        `lins.${l}`,
        'the output layer must not be followed by a norm or activation',
      );
    }
    if (!isLast && !b.activation) {
      throw new InvalidNetworkError(
        `lins.${l}`,
        'a hidden layer needs an activation or gate (use kind "identity" for none)',
      );
    }
    if (b.norm) {
      const n = b.norm;
      if (n.index !== l)
        throw new InvalidNetworkError(
          `norms.${n.index}`,
          `follows lins.${l} but has index ${n.index}`,
        );
      checkTensor(`norms.${l}.weight`, n.gamma, [out]);
      checkTensor(`norms.${l}.bias`, n.beta, [out]);
      if (!(n.eps > 0))
        throw new InvalidNetworkError(`norms.${l}`, `eps must be positive, got ${n.eps}`);
      if (n.kind === 'batch') {
        if (!n.runningMean || !n.runningVar)
          throw new InvalidNetworkError(
            `norms.${l}`,
            'BatchNorm needs running_mean and running_var',
          );
        checkTensor(`norms.${l}.running_mean`, n.runningMean, [out]);
        checkTensor(`norms.${l}.running_var`, n.runningVar, [out]);
        if (n.runningVar.data.some((v) => v < 0))
          throw new InvalidNetworkError(`norms.${l}.running_var`, 'has negative variances');
      }
    }
    if (b.activation) {
      if (b.activation.index !== l)
        throw new InvalidNetworkError(
          `activations.${b.activation.index}`,
          `follows lins.${l} but has index ${b.activation.index}`,
        );
      if (b.activation.type === 'gate') {
        kinds.add('gate');
        checkTensor(`activations.${l}.C`, b.activation.C, [out, out]);
      }
    }
    width = out;
  });
  if (kinds.has('mask') && kinds.has('noise')) {
    throw new InvalidNetworkError(
      'network',
      'mixes W-asymmetric masks and syre noise in one network',
    );
  }
  if (kinds.has('gate') && (kinds.has('mask') || kinds.has('noise'))) {
    throw new InvalidNetworkError('network', 'mixes a σ-gate with W-asymmetric or syre structure');
  }
  const expected = kinds.has('gate')
    ? 'sigma-asym'
    : kinds.has('mask')
      ? 'w-asym'
      : kinds.has('noise')
        ? 'syre'
        : 'standard';
  if (net.family !== expected) {
    throw new InvalidNetworkError(
      'network',
      `family "${net.family}" does not match its structure, which is ${expected}`,
    );
  }
  return net;
}
