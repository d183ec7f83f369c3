/**
 * ONNX graph → nidkit IR. A single chain is walked from the graph input to the graph output; at
 * every step the consumers of the current tensor are matched against the operator patterns of
 * onnx.md §2. Subgraphs that depend only on constants are evaluated at import time; the weight
 * operand of a linear layer is additionally matched against the W-/syre-asymmetric effective-weight
 * patterns, and a recognized structure is accepted only if it reproduces the evaluated weight.
 */
import type { FixedPart, Layer, LinearLayer, NormLayer, Tensor } from '@nidkit/core';
import { countNonFinite, erf, geluTanh, sigmoid, tensor } from '@nidkit/core';
import { OnnxImportError } from '../errors.js';
import type { AttributeMsg, GraphMsg, NodeMsg } from '../proto/schema.js';
import { DataType, int64ToNumber } from '../proto/schema.js';
import type { TensorContext } from './tensor.js';
import { decodeTensor } from './tensor.js';
import type { ConstValue } from './values.js';
import {
  BATCH_SENTINEL,
  EvalError,
  elementwise,
  intList,
  normAxis,
  reshapeTarget,
  sizeOfShape,
  transpose,
  transpose2,
} from './values.js';

/** What the graph walk produces. */
export interface GraphImport {
  readonly inputShape: number[];
  readonly layers: Layer[];
  /** ONNX tensor name per recording point key (`post_linear@0`, …). */
  readonly recordingTensors: Record<string, string>;
  /** Layers whose effective-weight subgraph was evaluated to a dense weight. */
  readonly densified: number[];
}

const SUPPORTED = new Set([
  'Constant',
  'Identity',
  'Dropout',
  'Cast',
  'Flatten',
  'Reshape',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Transpose',
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sqrt',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Gelu',
  'LayerNormalization',
  'BatchNormalization',
  'ReduceMean',
  'Where',
  'Not',
  'Neg',
]);

/** Operators newer than the importer's lowest opset. */
const SINCE_OPSET: Readonly<Record<string, number>> = { Gelu: 20, LayerNormalization: 17 };

const ELEMENTWISE = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sqrt',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Neg',
  'Identity',
  'Cast',
  'Gelu',
  'Dropout',
]);

const PROBES = Array.from({ length: 81 }, (_, i) => -8 + i * 0.2).concat([
  -0.05, 0.05, 0.3, -0.3, 1e-3, -1e-3, 12, -12,
]);

interface Pending {
  kind: 'flatten' | 'input-norm' | 'linear' | 'norm' | 'act' | 'gate';
  layer: (l: number) => Layer;
  output: string;
}

/** The importer state for one graph. */
export class GraphWalker {
  private readonly nodes: NodeMsg[];
  private readonly consts = new Map<string, ConstValue>();
  private readonly constErrors = new Map<string, string>();
  private readonly producer = new Map<string, number>();
  private readonly consumers = new Map<string, number[]>();
  private readonly dynamic = new Set<string>();
  private readonly used = new Set<number>();
  private inputName = '';
  private outputName = '';
  private inputShape: number[] = [];
  /** The graph input's batch dimension when it is a fixed number (exports without dynamic axes). */
  private staticBatch: number | null = null;

  constructor(
    private readonly graph: GraphMsg,
    private readonly opset: number,
    private readonly ctx: TensorContext,
  ) {
    this.nodes = graph.node ?? [];
  }

  private label(i: number): string {
    const n = this.nodes[i]!;
    return n.name ? n.name : `#${i}`;
  }

  /** An OnnxImportError about node `i`, naming it, its op type, domain and the opset. */
  nodeError(i: number, what: string): OnnxImportError {
    const n = this.nodes[i]!;
    return new OnnxImportError(
      `importOnnx: node "${this.label(i)}" (op_type "${n.opType ?? ''}", domain "${n.domain || 'ai.onnx'}", opset ${this.opset}) ${what}`,
      { node: this.label(i), opType: n.opType ?? '' },
    );
  }

  private attr(i: number, name: string): AttributeMsg | undefined {
    return (this.nodes[i]!.attribute ?? []).find((a) => a.name === name);
  }

  private attrInt(i: number, name: string, def: number): number {
    const a = this.attr(i, name);
    if (!a) return def;
    const v = int64ToNumber(a.i);
    if (v === null) throw this.nodeError(i, `has attribute ${name} beyond 2^53 − 1`);
    return v;
  }

  private attrFloat(i: number, name: string, def: number): number {
    const a = this.attr(i, name);
    return a ? (a.f ?? 0) : def;
  }

  private attrInts(i: number, name: string): number[] | null {
    const a = this.attr(i, name);
    if (!a) return null;
    return (a.ints ?? []).map((x) => {
      const v = int64ToNumber(x);
      if (v === null) throw this.nodeError(i, `has attribute ${name} beyond 2^53 − 1`);
      return v;
    });
  }

  private attrString(i: number, name: string, def: string): string {
    const a = this.attr(i, name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }

  private inputs(i: number): string[] {
    return this.nodes[i]!.input ?? [];
  }

  private out(i: number): string {
    return this.nodes[i]!.output?.[0] ?? '';
  }

  /** The constant value of tensor `name`, or an error naming node `forNode`. */
  private constOf(name: string, forNode: number, what: string): ConstValue {
    const v = this.consts.get(name);
    if (v) return v;
    const err = this.constErrors.get(name);
    if (err)
      throw this.nodeError(
        forNode,
        `needs ${what} "${name}" to be constant, but it cannot be evaluated: ${err}`,
      );
    throw this.nodeError(
      forNode,
      `needs ${what} "${name}" to be a constant (initializer or Constant node)`,
    );
  }

  private isConst(name: string): boolean {
    return this.consts.has(name) || this.constErrors.has(name);
  }

  private floatConst(
    name: string,
    forNode: number,
    what: string,
    shape?: readonly number[],
  ): ConstValue & { data: Float32Array } {
    const v = this.constOf(name, forNode, what);
    if (v.kind !== 'float')
      throw this.nodeError(forNode, `needs ${what} "${name}" to be a float tensor, got ${v.kind}`);
    if (v.batchDependent)
      throw this.nodeError(forNode, `needs ${what} "${name}" not to depend on the batch size`);
    const bad = countNonFinite(v.data);
    if (bad > 0) {
      throw new OnnxImportError(
        `importOnnx: tensor "${name}" (${what} of node "${this.label(forNode)}") contains ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±Infinity) — expected finite weights`,
        {
          node: this.label(forNode),
          opType: this.nodes[forNode]!.opType ?? '',
          tensor: name,
          code: 'ONNX_NON_FINITE',
        },
      );
    }
    if (shape && sizeOfShape(v.shape) !== sizeOfShape(shape)) {
      throw this.nodeError(
        forNode,
        `needs ${what} "${name}" with ${sizeOfShape(shape)} entries [${shape.join(', ')}], got [${v.shape.join(', ')}]`,
      );
    }
    return v as ConstValue & { data: Float32Array };
  }

  /** A scalar (size-1) float constant, or null. */
  private scalarOf(name: string): number | null {
    const v = this.consts.get(name);
    if (!v || v.kind === 'bool' || v.data.length !== 1 || v.batchDependent) return null;
    return v.data[0]!;
  }

  // ───────────────────────────── setup ─────────────────────────────

  /** Decodes initializers, finds the input/output and evaluates constant nodes. */
  prepare(): void {
    const g = this.graph;
    const init = g.initializer ?? [];
    init.forEach((t, k) => {
      const name = t.name ?? '';
      if (!name)
        throw new OnnxImportError(`importOnnx: initializer #${k} has no name`, { tensor: `#${k}` });
      if (this.consts.has(name))
        throw new OnnxImportError(`importOnnx: initializer "${name}" is defined twice`, {
          tensor: name,
        });
      this.consts.set(name, decodeTensor(t, this.ctx, name));
    });
    const realInputs = (g.input ?? []).filter((v) => !this.consts.has(v.name ?? ''));
    if (realInputs.length !== 1) {
      throw new OnnxImportError(
        `importOnnx: the graph must have exactly one non-initializer input — expected 1, got ${realInputs.length}${realInputs.length ? ` (${realInputs.map((v) => `"${v.name}"`).join(', ')})` : ''}`,
      );
    }
    const input = realInputs[0]!;
    this.inputName = input.name ?? '';
    const tt = input.type?.tensorType;
    if (!tt || (tt.elemType ?? 0) !== DataType.FLOAT) {
      throw new OnnxImportError(
        `importOnnx: graph input "${this.inputName}" must be a float32 tensor — expected elem_type FLOAT, got ${tt?.elemType ?? 'no tensor type'}`,
      );
    }
    const dims = tt.shape?.dim ?? [];
    if (dims.length < 2) {
      throw new OnnxImportError(
        `importOnnx: graph input "${this.inputName}" must have shape [N, d] or [N, c, h, w] — got rank ${dims.length}`,
      );
    }
    const b0 =
      dims[0]?.dimValue !== undefined && dims[0]?.dimValue !== null
        ? int64ToNumber(dims[0].dimValue)
        : null;
    this.staticBatch = b0 !== null && b0 > 0 ? b0 : null;
    this.inputShape = dims.slice(1).map((d, k) => {
      const v = d.dimValue !== undefined && d.dimValue !== null ? int64ToNumber(d.dimValue) : null;
      if (v === null || v <= 0 || d.dimParam) {
        throw new OnnxImportError(
          `importOnnx: graph input "${this.inputName}" dimension ${k + 1} must be a positive number — got ${d.dimParam ? `symbolic "${d.dimParam}"` : String(v ?? 'unknown')}`,
        );
      }
      return v;
    });
    const outs = g.output ?? [];
    if (outs.length !== 1)
      throw new OnnxImportError(
        `importOnnx: the graph must have exactly one output (logits) — expected 1, got ${outs.length}`,
      );
    this.outputName = outs[0]!.name ?? '';
    this.dynamic.add(this.inputName);

    this.nodes.forEach((n, i) => {
      const domain = n.domain ?? '';
      if (domain !== '' && domain !== 'ai.onnx')
        throw this.nodeError(
          i,
          `uses domain "${domain}", which nidkit's importer does not support — expected the default domain ai.onnx`,
        );
      const op = n.opType ?? '';
      if (!SUPPORTED.has(op)) {
        throw this.nodeError(
          i,
          `is not supported by nidkit's importer — supported: Gemm, MatMul+Add, Relu, Gelu (or its erf/tanh decomposition), LayerNormalization (or its decomposition), BatchNormalization, the σ-gate, Flatten/Reshape, Identity/Dropout/Cast and constant subgraphs`,
        );
      }
      const since = SINCE_OPSET[op];
      if (since !== undefined && this.opset < since)
        throw this.nodeError(
          i,
          `is not defined before opset ${since} — expected a model opset ≥ ${since}`,
        );
      const ins = (n.input ?? []).filter((x) => x !== '');
      for (const x of ins) {
        if (!this.isConst(x) && !this.dynamic.has(x)) {
          throw this.nodeError(
            i,
            `reads "${x}", which is neither an initializer, the graph input nor the output of an earlier node (missing initializer?)`,
          );
        }
      }
      for (const o of n.output ?? []) {
        if (o === '') continue;
        if (this.producer.has(o) || this.consts.has(o) || o === this.inputName)
          throw this.nodeError(i, `writes "${o}", which is already defined`);
        this.producer.set(o, i);
      }
      const shapeOfInput = op === 'Shape' && ins[0] === this.inputName;
      const allConst = ins.every((x) => this.isConst(x));
      if (
        shapeOfInput ||
        (allConst && op !== 'Shape') ||
        op === 'Constant' ||
        (op === 'Shape' && allConst)
      ) {
        for (const x of ins)
          if (this.constErrors.has(x)) this.constErrors.set(this.out(i), this.constErrors.get(x)!);
        if (ins.some((x) => this.constErrors.has(x))) return;
        try {
          const outs2 = this.evalConst(i, shapeOfInput);
          (n.output ?? []).forEach((o, k) => {
            if (o !== '' && outs2[k]) this.consts.set(o, outs2[k]);
          });
        } catch (e) {
          if (e instanceof OnnxImportError) throw e;
          const msg = e instanceof EvalError ? e.message : `${(e as Error).message}`;
          for (const o of n.output ?? [])
            if (o) this.constErrors.set(o, `node "${this.label(i)}" (${op}): ${msg}`);
        }
        return;
      }
      for (const o of n.output ?? []) if (o) this.dynamic.add(o);
      for (const x of ins) {
        if (this.dynamic.has(x)) {
          const list = this.consumers.get(x) ?? [];
          if (!list.includes(i)) list.push(i);
          this.consumers.set(x, list);
        }
      }
    });
    if (!this.dynamic.has(this.outputName)) {
      throw new OnnxImportError(
        `importOnnx: graph output "${this.outputName}" is not computed from the graph input`,
      );
    }
  }

  private evalConst(i: number, shapeOfInput: boolean): ConstValue[] {
    const n = this.nodes[i]!;
    const op = n.opType ?? '';
    const ins = this.inputs(i);
    const v = (k: number): ConstValue => {
      const name = ins[k] ?? '';
      const c = this.consts.get(name);
      if (!c) throw new EvalError(`input ${k} is missing`);
      return c;
    };
    const opt = (k: number): ConstValue | null =>
      ins[k] ? (this.consts.get(ins[k]) ?? null) : null;
    const numeric = (kind: ConstValue['kind']): ConstValue['kind'] => {
      if (kind === 'bool') throw new EvalError('arithmetic on a bool tensor');
      return kind;
    };
    const binary = (fn: (a: number, b: number) => number): ConstValue => {
      const a = v(0);
      const b = v(1);
      if (a.kind !== b.kind) throw new EvalError(`operand types differ (${a.kind} and ${b.kind})`);
      const kind = numeric(a.kind);
      return elementwise(
        [a, b],
        kind,
        kind === 'int' ? (x, y) => fn(x, y) : (x, y) => Math.fround(fn(x, y)),
      );
    };
    const unary = (fn: (a: number) => number): ConstValue => {
      const a = v(0);
      if (a.kind !== 'float') throw new EvalError(`expects a float tensor, got ${a.kind}`);
      return elementwise([a], 'float', (x) => Math.fround(fn(x)));
    };
    switch (op) {
      case 'Shape': {
        if (shapeOfInput) {
          return [
            {
              kind: 'int',
              shape: [this.inputShape.length + 1],
              data: Float64Array.from([BATCH_SENTINEL, ...this.inputShape]),
              batchDependent: true,
            },
          ];
        }
        const a = v(0);
        return [{ kind: 'int', shape: [a.shape.length], data: Float64Array.from(a.shape) }];
      }
      case 'Constant': {
        const a = (n.attribute ?? [])[0];
        if (!a) throw new EvalError('has no value attribute');
        switch (a.name) {
          case 'value':
            if (!a.t) throw new EvalError('value is not a tensor');
            return [decodeTensor(a.t, this.ctx, this.out(i))];
          case 'value_float':
            return [{ kind: 'float', shape: [], data: Float32Array.of(a.f ?? 0) }];
          case 'value_floats':
            return [
              {
                kind: 'float',
                shape: [(a.floats ?? []).length],
                data: Float32Array.from(a.floats ?? []),
              },
            ];
          case 'value_int':
            return [
              { kind: 'int', shape: [], data: Float64Array.of(this.attrInt(i, 'value_int', 0)) },
            ];
          case 'value_ints': {
            const xs = this.attrInts(i, 'value_ints') ?? [];
            return [{ kind: 'int', shape: [xs.length], data: Float64Array.from(xs) }];
          }
          default:
            throw new EvalError(
              `constant attribute "${a.name}" is not supported — expected value, value_float(s) or value_int(s)`,
            );
        }
      }
      case 'Identity':
      case 'Dropout':
        return [v(0)];
      case 'Cast': {
        const to = this.attrInt(i, 'to', 0);
        const a = v(0);
        if (to === DataType.FLOAT || to === DataType.DOUBLE)
          return [{ ...a, kind: 'float', data: Float32Array.from(a.data) }];
        if (to === DataType.BOOL)
          return [{ ...a, kind: 'bool', data: Uint8Array.from(a.data, (x) => (x !== 0 ? 1 : 0)) }];
        if (to === DataType.INT64 || to === DataType.INT32) {
          return [{ ...a, kind: 'int', data: Float64Array.from(a.data, (x) => Math.trunc(x)) }];
        }
        throw new EvalError(`cast to data type ${to} is not supported`);
      }
      case 'Transpose':
        return [transpose(v(0), this.attrInts(i, 'perm') ?? undefined)];
      case 'Add':
        return [binary((a, b) => a + b)];
      case 'Sub':
        return [binary((a, b) => a - b)];
      case 'Mul':
        return [binary((a, b) => a * b)];
      case 'Div':
        return [
          v(0).kind === 'int' ? binary((a, b) => Math.trunc(a / b)) : binary((a, b) => a / b),
        ];
      case 'Pow': {
        const a = v(0);
        const b = v(1);
        if (a.kind !== 'float') throw new EvalError('Pow of a non-float tensor');
        return [elementwise([a, b], 'float', (x, y) => Math.fround(x ** y))];
      }
      case 'Sqrt':
        return [unary(Math.sqrt)];
      case 'Neg':
        return [v(0).kind === 'int' ? elementwise([v(0)], 'int', (x) => -x) : unary((x) => -x)];
      case 'Erf':
        return [unary(erf)];
      case 'Tanh':
        return [unary(Math.tanh)];
      case 'Sigmoid':
        return [unary(sigmoid)];
      case 'Relu':
        return [unary((x) => Math.max(0, x))];
      case 'Not': {
        const a = v(0);
        if (a.kind !== 'bool') throw new EvalError('Not of a non-bool tensor');
        return [elementwise([a], 'bool', (x) => (x ? 0 : 1))];
      }
      case 'Where': {
        const c = v(0);
        const a = v(1);
        const b = v(2);
        if (c.kind !== 'bool') throw new EvalError('Where condition must be bool');
        if (a.kind !== b.kind) throw new EvalError('Where branches have different types');
        return [elementwise([c, a, b], a.kind, (cc, x, y) => (cc ? x : y))];
      }
      case 'Reshape': {
        const a = v(0);
        const target = intList(v(1));
        return [{ ...a, shape: reshapeTarget(a.shape, target) }];
      }
      case 'Flatten': {
        const a = v(0);
        const axis = normAxis(this.attrInt(i, 'axis', 1), a.shape.length + 1);
        return [
          { ...a, shape: [sizeOfShape(a.shape.slice(0, axis)), sizeOfShape(a.shape.slice(axis))] },
        ];
      }
      case 'Unsqueeze': {
        const a = v(0);
        const axes = this.attrInts(i, 'axes') ?? (opt(1) ? intList(opt(1)!) : []);
        const rank = a.shape.length + axes.length;
        const norm = axes.map((x) => normAxis(x, rank)).sort((x, y) => x - y);
        const shape = [...a.shape];
        for (const ax of norm) shape.splice(ax, 0, 1);
        return [{ ...a, shape }];
      }
      case 'Squeeze': {
        const a = v(0);
        const axesIn = this.attrInts(i, 'axes') ?? (opt(1) ? intList(opt(1)!) : null);
        const axes = axesIn
          ? axesIn.map((x) => normAxis(x, a.shape.length))
          : a.shape.map((d, k) => (d === 1 ? k : -1)).filter((k) => k >= 0);
        for (const ax of axes)
          if (a.shape[ax] !== 1)
            throw new EvalError(`cannot squeeze axis ${ax} of size ${a.shape[ax]}`);
        return [{ ...a, shape: a.shape.filter((_, k) => !axes.includes(k)) }];
      }
      case 'Concat': {
        const parts = ins.flatMap((x, k) => (x === '' ? [] : [v(k)]));
        const first = parts[0];
        if (!first) throw new EvalError('has no inputs');
        if (
          first.shape.length !== 1 ||
          parts.some((p) => p.shape.length !== 1 || p.kind !== first.kind)
        ) {
          throw new EvalError('only 1-D concatenation of same-typed constants is evaluated');
        }
        const total = parts.reduce((s, p) => s + p.data.length, 0);
        const data =
          first.kind === 'float'
            ? new Float32Array(total)
            : first.kind === 'int'
              ? new Float64Array(total)
              : new Uint8Array(total);
        let o = 0;
        for (const p of parts) {
          data.set(p.data, o);
          o += p.data.length;
        }
        return [
          {
            kind: first.kind,
            shape: [total],
            data,
            batchDependent: parts.some((p) => p.batchDependent),
          },
        ];
      }
      case 'Gather': {
        const a = v(0);
        const idx = v(1);
        if (a.shape.length !== 1 || idx.kind !== 'int' || idx.shape.length > 1)
          throw new EvalError(
            'only gathering from a 1-D constant with scalar or 1-D indices is evaluated',
          );
        const axis = this.attrInt(i, 'axis', 0);
        if (axis !== 0 && axis !== -1)
          throw new EvalError(`axis ${axis} is out of range for rank 1`);
        const len = a.data.length;
        const picked = Array.from(idx.data as Float64Array, (k) => {
          const j = k < 0 ? k + len : k;
          if (!Number.isInteger(j) || j < 0 || j >= len)
            throw new EvalError(`index ${k} is out of range 0..${len - 1}`);
          return a.data[j]!;
        });
        const data =
          a.kind === 'float'
            ? Float32Array.from(picked)
            : a.kind === 'int'
              ? Float64Array.from(picked)
              : Uint8Array.from(picked);
        const dep = Boolean(a.batchDependent) && picked.includes(BATCH_SENTINEL);
        return [
          {
            kind: a.kind,
            shape: idx.shape.length === 0 ? [] : [picked.length],
            data,
            batchDependent: dep || Boolean(idx.batchDependent),
          },
        ];
      }
      default:
        throw new EvalError(`constant evaluation of ${op} is not supported`);
    }
  }

  // ───────────────────────────── the walk ─────────────────────────────

  private consumersOf(name: string): number[] {
    return (this.consumers.get(name) ?? []).filter((i) => !this.used.has(i));
  }

  private use(...idx: number[]): void {
    for (const i of idx) this.used.add(i);
  }

  /** The sole consumer of `name`, or null. */
  private sole(name: string): number | null {
    const c = this.consumersOf(name);
    return c.length === 1 && name !== this.outputName ? c[0]! : null;
  }

  private requireSingleOutput(i: number): void {
    const outs = this.nodes[i]!.output ?? [];
    for (let k = 1; k < outs.length; k++) {
      if (outs[k] && (this.consumers.get(outs[k]!)?.length ?? 0) > 0)
        throw this.nodeError(
          i,
          `output ${k} ("${outs[k]}") is used — only the first output is supported (inference form)`,
        );
      if (outs[k] && outs[k] === this.outputName)
        throw this.nodeError(
          i,
          `output ${k} is the graph output — only the first output is supported`,
        );
    }
  }

  /** Walks the chain and returns the layers. */
  walk(): GraphImport {
    let cur = this.inputName;
    let features: number[] = [...this.inputShape];
    const pending: Pending[] = [];
    const densified: number[] = [];
    let linearCount = 0;
    let guard = 0;
    while (true) {
      if (++guard > this.nodes.length + 2)
        throw new OnnxImportError('importOnnx: the graph walk did not terminate (cycle?)');
      const cons = this.consumersOf(cur);
      if (cons.length === 0) {
        if (cur !== this.outputName)
          throw new OnnxImportError(
            `importOnnx: tensor "${cur}" is not consumed by any node and is not the graph output "${this.outputName}"`,
          );
        break;
      }
      if (cur === this.outputName)
        throw this.nodeError(
          cons[0]!,
          `reads the graph output "${cur}" — the output must be the end of the chain`,
        );
      const ops = cons.map((i) => this.nodes[i]!.opType ?? '');
      const rank = features.length;
      if (cons.length === 1) {
        const i = cons[0]!;
        const op = ops[0]!;
        switch (op) {
          case 'Identity':
            this.use(i);
            cur = this.out(i);
            continue;
          case 'Dropout': {
            this.requireSingleOutput(i);
            const tm = this.inputs(i)[2];
            if (tm) {
              const t = this.constOf(tm, i, 'training_mode');
              if (t.data[0])
                throw this.nodeError(i, 'has training_mode = true — expected inference (false)');
            }
            this.use(i);
            cur = this.out(i);
            continue;
          }
          case 'Cast': {
            const to = this.attrInt(i, 'to', 0);
            if (to !== DataType.FLOAT)
              throw this.nodeError(i, `casts to data type ${to} — expected FLOAT (1)`);
            this.use(i);
            cur = this.out(i);
            continue;
          }
          case 'Flatten': {
            if (linearCount > 0)
              throw this.nodeError(
                i,
                'flattens after a linear layer — only the input may be flattened',
              );
            const axis = this.attrInt(i, 'axis', 1);
            if (axis !== 1 && axis !== 1 - (rank + 1))
              throw this.nodeError(i, `has axis ${axis} — expected 1`);
            this.use(i);
            cur = this.out(i);
            features = [sizeOfShape(features)];
            pending.push({ kind: 'flatten', layer: () => ({ type: 'flatten' }), output: cur });
            continue;
          }
          case 'Reshape': {
            if (linearCount > 0)
              throw this.nodeError(
                i,
                'reshapes after a linear layer — only the input may be flattened',
              );
            const shapeName = this.inputs(i)[1] ?? '';
            const target = this.constOf(shapeName, i, 'shape');
            let t: number[];
            try {
              t = intList(target).map((d) => (d === BATCH_SENTINEL ? -2 : d));
            } catch (e) {
              throw this.nodeError(i, `has an invalid shape: ${(e as Error).message}`);
            }
            const total = sizeOfShape(features);
            const okBatch = (d: number | undefined): boolean =>
              d === -2 || d === -1 || d === 0 || (d !== undefined && d === this.staticBatch);
            if (this.staticBatch !== null && t[0] === this.staticBatch) {
              this.ctx.warnings.push(
                `node "${this.label(i)}": the flatten uses the fixed batch size ${this.staticBatch} of the export; nidkit flattens any batch`,
              );
            }
            const ok =
              t.length === 2 &&
              ((okBatch(t[0]) && (t[1] === -1 || t[1] === total)) ||
                (t[0] === -1 && t[1] === total)) &&
              !(t[0] === -1 && t[1] === -1);
            if (!ok) {
              throw this.nodeError(
                i,
                `reshapes to [${t.map((d) => (d === -2 ? 'N' : d)).join(', ')}] — expected a flatten to [N, ${total}]`,
              );
            }
            this.use(i);
            this.markShapeChain(shapeName);
            cur = this.out(i);
            if (rank > 1)
              pending.push({ kind: 'flatten', layer: () => ({ type: 'flatten' }), output: cur });
            features = [total];
            continue;
          }
          case 'Transpose': {
            // Gemm(Transpose(x), W, transA = 1) = Gemm(x, W): the batch is transposed and back.
            const perm = this.attrInts(i, 'perm');
            const g = this.sole(this.out(i));
            const isSwap = rank === 1 && (perm === null || (perm[0] === 1 && perm[1] === 0));
            if (
              !isSwap ||
              g === null ||
              this.nodes[g]!.opType !== 'Gemm' ||
              this.inputs(g)[0] !== this.out(i) ||
              this.attrInt(g, 'transA', 0) !== 1
            )
              throw this.nodeError(
                i,
                'transposes the activations — supported only as Transpose(perm = [1, 0]) feeding the A input of a Gemm with transA = 1',
              );
            this.use(i);
            const r = this.linear(g, features[0]!, linearCount, true);
            if (r.densified) densified.push(linearCount);
            const lin = r.layer;
            pending.push({ kind: 'linear', layer: () => lin, output: r.output });
            cur = r.output;
            features = [lin.weight.shape[0]!];
            linearCount++;
            continue;
          }
          case 'Gemm':
          case 'MatMul': {
            if (rank !== 1)
              throw this.nodeError(
                i,
                `multiplies a tensor of shape [N, ${features.join(', ')}] — expected a flattened [N, d] input (add Flatten)`,
              );
            const r = this.linear(i, features[0]!, linearCount);
            if (r.densified) densified.push(linearCount);
            const lin = r.layer;
            pending.push({ kind: 'linear', layer: () => lin, output: r.output });
            cur = r.output;
            features = [lin.weight.shape[0]!];
            linearCount++;
            continue;
          }
          case 'Relu':
          case 'Gelu': {
            let kind: 'relu' | 'gelu' | 'gelu_tanh' = 'relu';
            if (op === 'Gelu') {
              const approx = this.attrString(i, 'approximate', 'none');
              if (approx !== 'none' && approx !== 'tanh')
                throw this.nodeError(i, `has approximate="${approx}" — expected "none" or "tanh"`);
              kind = approx === 'tanh' ? 'gelu_tanh' : 'gelu';
            }
            this.use(i);
            cur = this.out(i);
            const k = kind;
            pending.push({
              kind: 'act',
              layer: (l) => ({ type: 'act', index: l, kind: k }),
              output: cur,
            });
            continue;
          }
          case 'LayerNormalization': {
            const r = this.layerNormOp(i, features[0]!);
            pending.push({ kind: 'norm', layer: r.layer, output: r.output });
            cur = r.output;
            continue;
          }
          case 'BatchNormalization': {
            const r = this.batchNorm(i, features[0]!);
            pending.push({ kind: 'norm', layer: r.layer, output: r.output });
            cur = r.output;
            continue;
          }
          case 'Unsqueeze': {
            const r = this.unsqueezedBatchNorm(i, features[0]!);
            pending.push({ kind: 'norm', layer: r.layer, output: r.output });
            cur = r.output;
            continue;
          }
          default:
            break;
        }
      }
      // Multi-consumer patterns (and single elementwise consumers).
      if (cons.every((i) => ELEMENTWISE.has(this.nodes[i]!.opType ?? ''))) {
        const r = this.elementwiseRegion(cur, linearCount);
        pending.push(r.pending);
        cur = r.output;
        continue;
      }
      const sorted = [...ops].sort().join(',');
      if (sorted === 'ReduceMean,Sub') {
        const r = this.layerNormDecomposed(cur, cons, features[0]!);
        pending.push({ kind: 'norm', layer: r.layer, output: r.output });
        cur = r.output;
        continue;
      }
      if (sorted === 'Gemm,Mul' || sorted === 'MatMul,Mul') {
        const r = this.gate(cur, cons, features[0]!);
        pending.push({ kind: 'gate', layer: r.layer, output: r.output });
        cur = r.output;
        continue;
      }
      if (cons.length === 1)
        throw this.nodeError(
          cons[0]!,
          `does not fit any of nidkit's import patterns at this point of the chain (after ${linearCount} linear layer${linearCount === 1 ? '' : 's'})`,
        );
      throw this.nodeError(
        cons[0]!,
        `is one of ${cons.length} consumers of "${cur}" (${ops.join(', ')}) — this branching does not match a GELU, LayerNorm or σ-gate pattern`,
      );
    }
    for (let i = 0; i < this.nodes.length; i++) {
      if (!this.used.has(i) && (this.nodes[i]!.output ?? []).some((o) => this.dynamic.has(o))) {
        throw this.nodeError(
          i,
          'is not on the chain from the graph input to the graph output (branching graphs are not supported)',
        );
      }
    }
    return this.assemble(pending, densified);
  }

  /** Marks the Shape→Gather→Unsqueeze→Concat nodes that computed a Reshape's shape as used. */
  private markShapeChain(name: string): void {
    const stack = [name];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = this.producer.get(t);
      if (p === undefined) continue;
      this.used.add(p);
      for (const x of this.inputs(p)) if (x && x !== this.inputName) stack.push(x);
    }
  }

  private assemble(pending: Pending[], densified: number[]): GraphImport {
    const layers: Layer[] = [];
    const rec: Record<string, string> = {};
    let l = -1;
    let state: 'start' | 'linear' | 'norm' | 'act' = 'start';
    let lastOut = this.inputName;
    const closeHidden = (): void => {
      // A hidden linear layer (or its norm) followed directly by the next linear: identity activation.
      layers.push({ type: 'act', index: l, kind: 'identity' });
      rec[`post_activation@${l}`] = lastOut;
      if (!rec[`post_norm@${l}`]) rec[`post_norm@${l}`] = lastOut;
    };
    for (const p of pending) {
      switch (p.kind) {
        case 'input-norm':
        case 'flatten':
          if (state !== 'start')
            throw new OnnxImportError(
              `importOnnx: a ${p.kind} step at "${p.output}" after the first linear layer is not supported`,
            );
          if (p.kind === 'input-norm') {
            if (layers.some((x) => x.type === 'input-norm'))
              throw new OnnxImportError(
                `importOnnx: a second input normalization at "${p.output}" is not supported`,
              );
            // Elementwise normalization commutes with the flatten: the IR keeps it first.
            layers.unshift(p.layer(0));
            break;
          }
          if (layers.some((x) => x.type === 'flatten')) break;
          layers.push(p.layer(0));
          break;
        case 'linear':
          if (state === 'linear' || state === 'norm') closeHidden();
          l++;
          rec[`input@${l}`] = lastOut;
          layers.push(p.layer(l));
          rec[`post_linear@${l}`] = p.output;
          state = 'linear';
          break;
        case 'norm':
          if (state !== 'linear')
            throw new OnnxImportError(
              `importOnnx: a normalization at "${p.output}" must directly follow a linear layer`,
            );
          layers.push(p.layer(l));
          rec[`post_norm@${l}`] = p.output;
          state = 'norm';
          break;
        case 'act':
        case 'gate':
          if (state !== 'linear' && state !== 'norm')
            throw new OnnxImportError(
              `importOnnx: an activation at "${p.output}" must follow a linear layer or its norm`,
            );
          if (!rec[`post_norm@${l}`]) rec[`post_norm@${l}`] = lastOut;
          layers.push(p.layer(l));
          rec[`post_activation@${l}`] = p.output;
          state = 'act';
          break;
      }
      lastOut = p.output;
    }
    if (l < 0)
      throw new OnnxImportError('importOnnx: the graph has no linear layer (Gemm or MatMul)');
    if (state !== 'linear')
      throw new OnnxImportError(
        `importOnnx: the graph must end with a linear layer producing the logits — it ends with a ${state === 'norm' ? 'normalization' : 'activation'}`,
      );
    return { inputShape: this.inputShape, layers, recordingTensors: rec, densified };
  }

  // ───────────────────────────── linear layers ─────────────────────────────

  /**
   * A dense layer at node `i` (Gemm or MatMul). `aTransposed`: the A input is `Transpose(x)` and
   * the Gemm has transA = 1, which undoes it.
   */
  private linear(
    i: number,
    inFeatures: number,
    index: number,
    aTransposed = false,
  ): { layer: LinearLayer; output: string; densified: boolean } {
    const op = this.nodes[i]!.opType;
    const [, bName, cName] = this.inputs(i);
    if (!bName) throw this.nodeError(i, 'has no weight input');
    let transposed: boolean;
    let alpha = 1;
    let beta = 1;
    if (op === 'Gemm') {
      if (this.attrInt(i, 'transA', 0) !== (aTransposed ? 1 : 0))
        throw this.nodeError(
          i,
          aTransposed
            ? 'has transA = 0 after a Transpose of the activations — expected 1'
            : 'has transA = 1 on the [N, d] activations — expected 0, or a Transpose(perm = [1, 0]) of the activations in front of it',
        );
      transposed = this.attrInt(i, 'transB', 0) === 0;
      alpha = this.attrFloat(i, 'alpha', 1);
      beta = this.attrFloat(i, 'beta', 1);
    } else {
      transposed = true;
    }
    this.requireSingleOutput(i);
    const value = this.floatConst(bName, i, 'weight');
    if (value.shape.length !== 2)
      throw this.nodeError(
        i,
        `needs a 2-D weight "${bName}", got shape [${value.shape.join(', ')}]`,
      );
    const [r, c] = value.shape as [number, number];
    const out = transposed ? c : r;
    const inn = transposed ? r : c;
    if (inn !== inFeatures) {
      throw this.nodeError(
        i,
        `has weight "${bName}" of shape [${r}, ${c}] — expected ${inFeatures} input features${transposed ? ' (rows of an in×out weight)' : ' (columns of an out×in weight)'}`,
      );
    }
    let weight = transposed ? transpose2(value.data, r, c) : value.data.slice();
    let fixed: FixedPart | undefined;
    let densified = false;
    const structure = this.matchStructure(bName, 0);
    if (structure && alpha === 1) {
      const orient = (t: Float32Array): Float32Array =>
        transposed ? transpose2(t, r, c) : t.slice();
      const candidate: FixedPart =
        structure.kind === 'mask'
          ? {
              kind: 'mask',
              mask: tensor(orient(structure.mask), [out, inn]),
              normal: tensor(orient(structure.n), [out, inn]),
              kappa: structure.kappa,
            }
          : {
              kind: 'noise',
              noise: tensor(orient(structure.n), [out, inn]),
              kappa: structure.kappa,
            };
      const w = orient(structure.w);
      if (this.reproduces(w, candidate, weight)) {
        weight = w;
        fixed = candidate;
        if (candidate.kind === 'mask') {
          const nf = uniformZeros(candidate.mask.data, out, inn);
          if (nf !== null) fixed = { ...candidate, numFixed: nf };
        }
      } else {
        this.ctx.warnings.push(
          `lins.${index}: the effective-weight subgraph of "${bName}" looked asymmetric but did not reproduce the evaluated weight; imported as a dense weight`,
        );
        densified = true;
      }
    } else if (this.producer.has(bName) && !structure) {
      densified = this.hasFixedLookingSubgraph(bName);
      if (densified)
        this.ctx.warnings.push(
          `lins.${index}: the weight subgraph of "${bName}" was evaluated to a dense weight (no W-asym/syre pattern recognized)`,
        );
    } else if (structure && alpha !== 1) {
      this.ctx.warnings.push(
        `lins.${index}: Gemm alpha = ${alpha} folded into the weight; the asymmetric structure was evaluated to a dense weight`,
      );
      densified = true;
    }
    if (alpha !== 1) weight = Float32Array.from(weight, (x) => Math.fround(alpha * x));
    let bias: Tensor<Float32Array> | null = null;
    let output = this.out(i);
    this.use(i);
    if (op === 'Gemm' && cName) {
      const cv = this.floatConst(cName, i, 'bias');
      bias = tensor(this.expandBias(i, cv, out, cName), [out]);
      if (beta !== 1)
        bias = tensor(
          Float32Array.from(bias.data, (x) => Math.fround(beta * x)),
          [out],
        );
    } else if (op === 'MatMul') {
      const a = this.sole(output);
      if (a !== null && this.nodes[a]!.opType === 'Add') {
        const other = this.inputs(a).find((x) => x !== output);
        if (
          other !== undefined &&
          this.consts.has(other) &&
          this.inputs(a).filter((x) => x === output).length === 1
        ) {
          const cv = this.floatConst(other, a, 'bias');
          if (
            cv.data.length === out &&
            (cv.shape.length === 1 || (cv.shape.length === 2 && cv.shape[0] === 1))
          ) {
            bias = tensor(cv.data.slice(), [out]);
            this.use(a);
            output = this.out(a);
          }
        }
      }
    }
    return {
      layer: {
        type: 'linear',
        index,
        weight: tensor(weight, [out, inn]),
        bias,
        ...(fixed ? { fixed } : {}),
      },
      output,
      densified,
    };
  }

  private expandBias(
    i: number,
    cv: ConstValue & { data: Float32Array },
    out: number,
    name: string,
  ): Float32Array {
    if (
      cv.data.length === out &&
      (cv.shape.length === 1 || (cv.shape.length === 2 && cv.shape[0] === 1))
    )
      return cv.data.slice();
    if (cv.data.length === 1) return new Float32Array(out).fill(cv.data[0]!);
    throw this.nodeError(
      i,
      `has bias "${name}" of shape [${cv.shape.join(', ')}] — expected [${out}]`,
    );
  }

  private hasFixedLookingSubgraph(name: string): boolean {
    const p = this.producer.get(name);
    if (p === undefined) return false;
    const op = this.nodes[p]!.opType;
    if (op === 'Identity' || op === 'Transpose')
      return this.hasFixedLookingSubgraph(this.inputs(p)[0] ?? '');
    return true;
  }

  private reproduces(w: Float32Array, fixed: FixedPart, expected: Float32Array): boolean {
    const k = Math.fround(fixed.kappa);
    for (let j = 0; j < w.length; j++) {
      const eff =
        fixed.kind === 'mask'
          ? fixed.mask.data[j] !== 0
            ? w[j]!
            : Math.fround(k * fixed.normal.data[j]!)
          : Math.fround(w[j]! + Math.fround(k * fixed.noise.data[j]!));
      const e = expected[j]!;
      if (Math.abs(eff - e) > 1e-6 * Math.max(1, Math.abs(e))) return false;
    }
    return true;
  }

  /** Leaves of a (nested) Mul product: the factors. */
  private factors(name: string, depth: number): string[] {
    const p = this.producer.get(name);
    if (depth > 8 || p === undefined) return [name];
    const op = this.nodes[p]!.opType;
    if (op === 'Identity') return this.factors(this.inputs(p)[0] ?? '', depth + 1);
    if (op === 'Mul') return this.inputs(p).flatMap((x) => this.factors(x, depth + 1));
    return [name];
  }

  /** `κ · N`: scalars multiplied into one float32 κ and exactly one non-scalar factor N. */
  private kappaTimes(
    name: string,
  ): { kappa: number; n: Float32Array; shape: readonly number[] } | null {
    const fs = this.factors(name, 0);
    let kappa = 1;
    let n: ConstValue | null = null;
    let scalars = 0;
    for (const f of fs) {
      const s = this.scalarOf(f);
      if (s !== null && this.consts.get(f)!.kind === 'float') {
        kappa = Math.fround(kappa * s);
        scalars++;
        continue;
      }
      const v = this.consts.get(f);
      if (!v || v.kind !== 'float' || n) return null;
      n = v;
    }
    if (!n || scalars === 0) return null;
    return { kappa, n: n.data as Float32Array, shape: n.shape };
  }

  private leafFloat(name: string): ConstValue | null {
    const v = this.consts.get(name);
    return v && v.kind === 'float' && v.shape.length === 2 ? v : null;
  }

  /**
   * Matches the effective-weight patterns on the constant subgraph producing `name`
   * (as-fed orientation): `Where(D, W, κN)`, `W⊙D + (1−D)⊙κN` (any association/commutation of the
   * products), `W + κN`; through `Identity` and a 2-D `Transpose`.
   */
  private matchStructure(
    name: string,
    depth: number,
  ): {
    kind: 'mask' | 'noise';
    w: Float32Array;
    mask: Float32Array;
    n: Float32Array;
    kappa: number;
  } | null {
    const p = this.producer.get(name);
    if (p === undefined || depth > 4) return null;
    const node = this.nodes[p]!;
    const ins = this.inputs(p);
    const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
      a.length === 2 && a[0] === b[0] && a[1] === b[1];
    switch (node.opType) {
      case 'Identity':
        return this.matchStructure(ins[0] ?? '', depth + 1);
      case 'Transpose': {
        const inner = this.matchStructure(ins[0] ?? '', depth + 1);
        const src = this.consts.get(ins[0] ?? '');
        if (!inner || !src || src.shape.length !== 2) return null;
        const [r, c] = src.shape as [number, number];
        return {
          ...inner,
          w: transpose2(inner.w, r, c),
          mask: transpose2(inner.mask, r, c),
          n: transpose2(inner.n, r, c),
        };
      }
      case 'Where': {
        const d = this.consts.get(ins[0] ?? '');
        const w = this.leafFloat(ins[1] ?? '');
        const f = this.kappaTimes(ins[2] ?? '');
        if (!d || !w || !f || !sameShape(d.shape, w.shape) || !sameShape(f.shape, w.shape))
          return null;
        const mask = new Float32Array(d.data.length);
        for (let j = 0; j < mask.length; j++) mask[j] = d.data[j] ? 1 : 0;
        return { kind: 'mask', w: w.data as Float32Array, mask, n: f.n, kappa: f.kappa };
      }
      case 'Add': {
        const [a, b] = [ins[0] ?? '', ins[1] ?? ''];
        // syre: W + κN
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const w = this.leafFloat(x);
          const f = this.kappaTimes(y);
          if (w && f && this.producer.get(x) === undefined && sameShape(f.shape, w.shape)) {
            return {
              kind: 'noise',
              w: w.data as Float32Array,
              mask: new Float32Array(0),
              n: f.n,
              kappa: f.kappa,
            };
          }
        }
        // W-asym: W⊙D + (1−D)⊙κN
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const wd = this.factors(x, 0);
          const rest = this.factors(y, 0);
          if (wd.length !== 2) continue;
          const subIdx = rest.findIndex((f) => {
            const q = this.producer.get(f);
            return (
              q !== undefined &&
              this.nodes[q]!.opType === 'Sub' &&
              this.scalarOf(this.inputs(q)[0] ?? '') === 1
            );
          });
          if (subIdx < 0) continue;
          const dName = this.inputs(this.producer.get(rest[subIdx]!)!)[1] ?? '';
          const dPos = wd.indexOf(dName);
          if (dPos < 0) continue;
          const wName = wd[1 - dPos]!;
          const w = this.leafFloat(wName);
          const dv = this.consts.get(dName);
          if (!w || !dv || dv.kind !== 'float' || !sameShape(dv.shape, w.shape)) continue;
          if (!(dv.data as Float32Array).every((v) => v === 0 || v === 1)) continue;
          const others = rest.filter((_, k) => k !== subIdx);
          let kappa = 1;
          let n: ConstValue | null = null;
          let ok = true;
          let scalars = 0;
          for (const f of others) {
            const s = this.scalarOf(f);
            if (s !== null) {
              kappa = Math.fround(kappa * s);
              scalars++;
            } else {
              const v = this.consts.get(f);
              if (!v || v.kind !== 'float' || n) ok = false;
              else n = v;
            }
          }
          if (!ok || !n || scalars === 0 || !sameShape(n.shape, w.shape)) continue;
          return {
            kind: 'mask',
            w: w.data as Float32Array,
            mask: Float32Array.from(dv.data),
            n: n.data as Float32Array,
            kappa,
          };
        }
        return null;
      }
      default:
        return null;
    }
  }

  // ───────────────────────────── norms ─────────────────────────────

  private layerNormOp(i: number, n: number): { layer: (l: number) => Layer; output: string } {
    this.requireSingleOutput(i);
    const axis = this.attrInt(i, 'axis', -1);
    if (axis !== -1 && axis !== 1)
      throw this.nodeError(i, `normalizes over axis ${axis} — expected the last axis (−1)`);
    const eps = this.attrFloat(i, 'epsilon', 1e-5);
    const [, sName, bName] = this.inputs(i);
    const gamma = this.floatConst(sName ?? '', i, 'scale', [n]).data.slice();
    const beta = bName ? this.floatConst(bName, i, 'bias', [n]).data.slice() : new Float32Array(n);
    this.use(i);
    return { layer: (l) => layerNorm(l, gamma, beta, eps), output: this.out(i) };
  }

  private batchNorm(i: number, n: number): { layer: (l: number) => Layer; output: string } {
    this.requireSingleOutput(i);
    if (this.attrInt(i, 'training_mode', 0) !== 0)
      throw this.nodeError(i, 'has training_mode = 1 — expected the inference form (0)');
    const eps = this.attrFloat(i, 'epsilon', 1e-5);
    const momentumAttr = this.attrFloat(i, 'momentum', 0.9);
    const [, s, b, m, v] = this.inputs(i);
    const gamma = this.floatConst(s ?? '', i, 'scale', [n]).data.slice();
    const beta = this.floatConst(b ?? '', i, 'B', [n]).data.slice();
    const mean = this.floatConst(m ?? '', i, 'input_mean', [n]).data.slice();
    const variance = this.floatConst(v ?? '', i, 'input_var', [n]).data.slice();
    if (variance.some((x) => x < 0))
      throw this.nodeError(i, `has negative running variances in "${v}"`);
    this.use(i);
    const momentum =
      Math.fround(momentumAttr) === Math.fround(0.9) ? 0.1 : snapFloat32(1 - momentumAttr);
    return {
      layer: (l) => ({
        type: 'norm',
        index: l,
        kind: 'batch',
        gamma: tensor(gamma, [n]),
        beta: tensor(beta, [n]),
        eps: snapFloat32(eps),
        runningMean: tensor(mean, [n]),
        runningVar: tensor(variance, [n]),
        numBatchesTracked: 0,
        momentum,
      }),
      output: this.out(i),
    };
  }

  private unsqueezedBatchNorm(
    i: number,
    n: number,
  ): { layer: (l: number) => Layer; output: string } {
    const axes = this.axesOf(i);
    const bn = this.sole(this.out(i));
    if (bn === null || this.nodes[bn]!.opType !== 'BatchNormalization')
      throw this.nodeError(i, 'is only supported as Unsqueeze → BatchNormalization → Squeeze');
    this.use(i);
    const r = this.batchNorm(bn, n);
    const sq = this.sole(r.output);
    if (sq === null || this.nodes[sq]!.opType !== 'Squeeze')
      throw this.nodeError(bn, 'follows an Unsqueeze but is not followed by a Squeeze');
    const sAxes = this.axesOf(sq);
    const norm = (xs: number[]): string =>
      xs
        .map((x) => (x < 0 ? x + 3 : x))
        .sort()
        .join(',');
    if (norm(axes) !== norm(sAxes) || norm(axes) !== '2')
      throw this.nodeError(
        sq,
        `squeezes axes [${sAxes.join(', ')}] — expected the axis [2] added by the Unsqueeze`,
      );
    this.use(sq);
    return { layer: r.layer, output: this.out(sq) };
  }

  private axesOf(i: number): number[] {
    const a = this.attrInts(i, 'axes');
    if (a) return a;
    const name = this.inputs(i)[1];
    if (!name) return [];
    return intList(this.constOf(name, i, 'axes'));
  }

  private reduceAxesOk(i: number): boolean {
    if (this.attrInt(i, 'keepdims', 1) !== 1) return false;
    const axes = this.axesOf(i);
    return axes.length === 1 && (axes[0] === -1 || axes[0] === 1);
  }

  private layerNormDecomposed(
    x: string,
    cons: number[],
    n: number,
  ): { layer: (l: number) => Layer; output: string } {
    const rm = cons.find((i) => this.nodes[i]!.opType === 'ReduceMean')!;
    const sub = cons.find((i) => this.nodes[i]!.opType === 'Sub')!;
    const fail = (i: number, what: string): never => {
      throw this.nodeError(
        i,
        `breaks the LayerNorm decomposition (ReduceMean → Sub → Pow 2 → ReduceMean → Add eps → Sqrt → Div → Mul γ → Add β): ${what}`,
      );
    };
    if (!this.reduceAxesOk(rm)) fail(rm, 'expected a mean over the last axis with keepdims = 1');
    if (this.inputs(sub)[0] !== x || this.inputs(sub)[1] !== this.out(rm))
      fail(sub, 'expected Sub(x, mean)');
    const d = this.out(sub);
    const dc = this.consumersOf(d);
    const pow = dc.find((i) => this.nodes[i]!.opType === 'Pow');
    const div = dc.find((i) => this.nodes[i]!.opType === 'Div');
    if (dc.length !== 2 || pow === undefined || div === undefined)
      fail(sub, 'its output must feed exactly Pow and Div');
    if (this.scalarOf(this.inputs(pow!)[1] ?? '') !== 2 || this.inputs(pow!)[0] !== d)
      fail(pow!, 'expected Pow(x − mean, 2)');
    const rm2 = this.sole(this.out(pow!));
    if (rm2 === null || this.nodes[rm2]!.opType !== 'ReduceMean' || !this.reduceAxesOk(rm2))
      fail(pow!, 'expected a ReduceMean over the last axis after Pow');
    const add = this.sole(this.out(rm2!));
    if (add === null || this.nodes[add]!.opType !== 'Add')
      fail(rm2!, 'expected Add(variance, eps)');
    const epsName = this.inputs(add!).find((t) => t !== this.out(rm2!));
    const eps = epsName !== undefined ? this.scalarOf(epsName) : null;
    if (eps === null || !(eps > 0)) fail(add!, 'expected a positive scalar eps');
    const sqrt = this.sole(this.out(add!));
    if (sqrt === null || this.nodes[sqrt]!.opType !== 'Sqrt')
      fail(add!, 'expected Sqrt after the eps addition');
    if (this.inputs(div!)[0] !== d || this.inputs(div!)[1] !== this.out(sqrt!))
      fail(div!, 'expected Div(x − mean, sqrt(var + eps))');
    this.use(rm, sub, pow!, rm2!, add!, sqrt!, div!);
    let out = this.out(div!);
    let gamma = new Float32Array(n).fill(1);
    let beta = new Float32Array(n);
    const mul = this.sole(out);
    if (mul !== null && this.nodes[mul]!.opType === 'Mul') {
      const other = this.inputs(mul).find((t) => t !== out);
      if (other !== undefined && this.consts.has(other)) {
        gamma = this.floatConst(other, mul, 'γ', [n]).data.slice();
        this.use(mul);
        out = this.out(mul);
      }
    }
    const addB = this.sole(out);
    if (addB !== null && this.nodes[addB]!.opType === 'Add') {
      const other = this.inputs(addB).find((t) => t !== out);
      if (other !== undefined && this.consts.has(other)) {
        beta = this.floatConst(other, addB, 'β', [n]).data.slice();
        this.use(addB);
        out = this.out(addB);
      }
    }
    const g = gamma;
    const b = beta;
    return { layer: (l) => layerNorm(l, g, b, eps!), output: out };
  }

  // ───────────────────────────── σ-gate ─────────────────────────────

  private gate(
    z: string,
    cons: number[],
    n: number,
  ): { layer: (l: number) => Layer; output: string } {
    const gi = cons.find((i) => this.nodes[i]!.opType !== 'Mul')!;
    const mi = cons.find((i) => this.nodes[i]!.opType === 'Mul')!;
    const fail = (i: number, what: string): never => {
      throw this.nodeError(
        i,
        `breaks the σ-gate pattern Mul(z, Sigmoid(Gemm(z, C, transB = 1))): ${what}`,
      );
    };
    const op = this.nodes[gi]!.opType;
    const [a, bName, cName] = this.inputs(gi);
    if (a !== z || !bName) fail(gi, 'expected z as the first operand');
    let transposed = op === 'MatMul';
    if (op === 'Gemm') {
      if (this.attrInt(gi, 'transA', 0) !== 0 || this.attrFloat(gi, 'alpha', 1) !== 1)
        fail(gi, 'expected transA = 0 and alpha = 1');
      if (cName) fail(gi, 'expected no bias');
      transposed = this.attrInt(gi, 'transB', 0) === 0;
    }
    const cv = this.floatConst(bName!, gi, 'gate matrix C', [n * n]);
    if (cv.shape.length !== 2 || cv.shape[0] !== n || cv.shape[1] !== n)
      fail(gi, `expected a square [${n}, ${n}] C, got [${cv.shape.join(', ')}]`);
    const C = transposed ? transpose2(cv.data, n, n) : cv.data.slice();
    const sg = this.sole(this.out(gi));
    if (sg === null || this.nodes[sg]!.opType !== 'Sigmoid')
      fail(gi, 'expected a Sigmoid after the gate product');
    const ins = this.inputs(mi);
    if (!(ins.length === 2 && ins.includes(z) && ins.includes(this.out(sg!))))
      fail(mi, 'expected Mul(z, Sigmoid(…))');
    this.use(gi, sg!, mi);
    return {
      layer: (l) => ({ type: 'gate', index: l, C: tensor(C, [n, n]) }),
      output: this.out(mi),
    };
  }

  // ───────────────────────────── elementwise regions ─────────────────────────────

  /**
   * Collects the maximal elementwise region starting at `x` (unary ops and binary ops with scalar
   * constants or region tensors), requires a single exit tensor, evaluates it on probe values and
   * identifies ReLU, GELU (erf), GELU (tanh) or — before the first linear layer — an affine input
   * normalization.
   */
  private elementwiseRegion(x: string, linearCount: number): { pending: Pending; output: string } {
    const region: number[] = [];
    const inRegion = new Set<number>();
    const tensors = new Set([x]);
    const queue = [x];
    let first = -1;
    while (queue.length > 0) {
      const t = queue.shift()!;
      if (t === this.outputName) continue;
      for (const i of this.consumersOf(t)) {
        if (inRegion.has(i)) continue;
        const op = this.nodes[i]!.opType ?? '';
        if (!ELEMENTWISE.has(op)) continue;
        const ins = this.inputs(i).filter((s) => s !== '');
        if (op === 'Dropout' || op === 'Cast') {
          if (op === 'Cast' && this.attrInt(i, 'to', 0) !== DataType.FLOAT) continue;
          if (op === 'Dropout') this.requireSingleOutput(i);
        } else if (!ins.every((s) => this.dynamic.has(s) || this.scalarOf(s) !== null)) {
          continue;
        }
        if (first < 0) first = i;
        inRegion.add(i);
        region.push(i);
        const o = this.out(i);
        tensors.add(o);
        queue.push(o);
      }
    }
    region.sort((a, b) => a - b);
    const failAt = first >= 0 ? first : (this.consumersOf(x)[0] ?? 0);
    // Every dynamic input of the region must come from the region; find the exit.
    const exits = new Set<string>();
    for (const i of region) {
      for (const s of this.inputs(i)) {
        if (s && this.dynamic.has(s) && !tensors.has(s))
          throw this.nodeError(i, `mixes "${s}" from outside into an elementwise subgraph`);
      }
      const o = this.out(i);
      const outside = this.consumersOf(o).filter((c) => !inRegion.has(c));
      if (outside.length > 0 || o === this.outputName) exits.add(o);
    }
    for (const c of this.consumersOf(x))
      if (!inRegion.has(c))
        throw this.nodeError(
          c,
          `reads "${x}" next to an elementwise subgraph — this branching does not match a GELU pattern`,
        );
    if (exits.size !== 1) {
      throw this.nodeError(
        failAt,
        `starts an elementwise subgraph with ${exits.size} exits — expected exactly one (an activation)`,
      );
    }
    const exit = [...exits][0]!;
    const f = (t: number): number => this.evalRegion(region, x, exit, t);
    const probes = PROBES.map((t) => [t, f(t)] as const);
    const close = (g: (t: number) => number): boolean =>
      probes.every(([t, y]) => Math.abs(y - g(t)) <= 1e-5 * Math.max(1, Math.abs(g(t))));
    this.use(...region);
    let kind: 'relu' | 'gelu' | 'gelu_tanh' | null = null;
    if (close((t) => Math.max(0, t))) kind = 'relu';
    else if (close((t) => 0.5 * t * (1 + erf(t * Math.SQRT1_2)))) kind = 'gelu';
    else if (close(geluTanh)) kind = 'gelu_tanh';
    if (kind) {
      const k = kind;
      return {
        pending: { kind: 'act', layer: (l) => ({ type: 'act', index: l, kind: k }), output: exit },
        output: exit,
      };
    }
    if (linearCount === 0) {
      const c = f(0);
      const a = f(1) - c;
      if (Number.isFinite(a) && a !== 0 && close((t) => a * t + c)) {
        const std = snapFloat32(1 / a);
        const mean = snapFloat32(-c / a);
        return {
          pending: {
            kind: 'input-norm',
            layer: () => ({ type: 'input-norm', mean, std }),
            output: exit,
          },
          output: exit,
        };
      }
    }
    throw this.nodeError(
      failAt,
      'starts an elementwise subgraph that computes neither ReLU, GELU (erf) nor GELU (tanh)',
    );
  }

  private evalRegion(region: number[], x: string, exit: string, t: number): number {
    const val = new Map<string, number>([[x, t]]);
    const get = (s: string): number => val.get(s) ?? this.scalarOf(s) ?? NaN;
    for (const i of region) {
      const ins = this.inputs(i);
      const a = get(ins[0] ?? '');
      const b = ins[1] ? get(ins[1]) : NaN;
      let r: number;
      switch (this.nodes[i]!.opType) {
        case 'Add':
          r = a + b;
          break;
        case 'Sub':
          r = a - b;
          break;
        case 'Mul':
          r = a * b;
          break;
        case 'Div':
          r = a / b;
          break;
        case 'Pow':
          r = a ** b;
          break;
        case 'Sqrt':
          r = Math.sqrt(a);
          break;
        case 'Erf':
          r = erf(a);
          break;
        case 'Tanh':
          r = Math.tanh(a);
          break;
        case 'Sigmoid':
          r = sigmoid(a);
          break;
        case 'Relu':
          r = Math.max(0, a);
          break;
        case 'Neg':
          r = -a;
          break;
        case 'Gelu':
          r =
            this.attrString(i, 'approximate', 'none') === 'tanh'
              ? geluTanh(a)
              : 0.5 * a * (1 + erf(a * Math.SQRT1_2));
          break;
        default:
          r = a;
      }
      val.set(this.out(i), r);
    }
    return val.get(exit) ?? NaN;
  }
}

function layerNorm(l: number, gamma: Float32Array, beta: Float32Array, eps: number): NormLayer {
  return {
    type: 'norm',
    index: l,
    kind: 'layer',
    gamma: tensor(gamma, [gamma.length]),
    beta: tensor(beta, [beta.length]),
    eps: snapFloat32(eps),
  };
}

/** The shortest decimal that rounds to the same float32 (1e-5 stored as float32 → 1e-5). */
export function snapFloat32(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

function uniformZeros(mask: Float32Array, rows: number, cols: number): number | null {
  let first = -1;
  for (let r = 0; r < rows; r++) {
    let z = 0;
    for (let c = 0; c < cols; c++) if (mask[r * cols + c] === 0) z++;
    if (first < 0) first = z;
    else if (z !== first) return null;
  }
  return first < 0 ? null : first;
}
