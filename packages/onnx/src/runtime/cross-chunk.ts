/**
 * The evaluator's `crossChunk` (core's `CrossChunk`): the float64 cross statistics of one chunk of
 * recorded activations, run by onnxruntime. The graph casts each input to float64, subtracts its
 * shift, and computes `C = Gemm(Ã, B̃, transA = 1)` (MLAS double GEMM on onnxruntime's threads),
 * and the column sums and sums of squares as products with a row of ones. Every product is exact
 * (float32 × float32 fits a float64) and every sum is float64, as matching.md §3 asks. One session
 * per (m, n, input types), cached.
 * @internal
 */
import type { ChunkColumnStats, CrossChunk } from '@nidkit/core';
import type * as Ort from 'onnxruntime-node';
import { OnnxRuntimeError } from '../errors.js';
import { attr, node, valueInfo } from '../proto/build.js';
import type { ModelMsg, NodeMsg, ValueInfoMsg } from '../proto/schema.js';
import { DataType, encodeModel } from '../proto/schema.js';

/** The cross-statistics graph for `m` and `n` columns (opset 17). */
export function crossChunkModel(m: number, n: number, a64: boolean, b64: boolean): ModelMsg {
  const nodes: NodeMsg[] = [];
  const inputs: ValueInfoMsg[] = [];
  const outputs: ValueInfoMsg[] = [valueInfo('C', DataType.DOUBLE, [m, n])];
  const add = (
    op: string,
    ins: string[],
    out: string,
    attrs = [] as ReturnType<typeof attr.int>[],
  ): string => {
    nodes.push(node(op, ins, [out], `${out}/${op}`, attrs));
    return out;
  };
  inputs.push(valueInfo('ones', DataType.DOUBLE, [1, 'N']));
  for (const [x, w, is64] of [
    ['A', m, a64],
    ['B', n, b64],
  ] as const) {
    inputs.push(valueInfo(x, is64 ? DataType.DOUBLE : DataType.FLOAT, ['N', w]));
    inputs.push(valueInfo(`h${x}`, DataType.DOUBLE, [w]));
    const d = is64 ? x : add('Cast', [x], `${x}64`, [attr.int('to', DataType.DOUBLE)]);
    const s = add('Sub', [d, `h${x}`], `${x}s`);
    add('MatMul', ['ones', s], `sum${x}`);
    add('MatMul', ['ones', add('Mul', [s, s], `${x}sq`)], `sumSq${x}`);
    outputs.push(
      valueInfo(`sum${x}`, DataType.DOUBLE, [1, w]),
      valueInfo(`sumSq${x}`, DataType.DOUBLE, [1, w]),
    );
  }
  add('Gemm', ['As', 'Bs'], 'C', [attr.int('transA', 1)]);
  return {
    irVersion: 8,
    producerName: 'nidkit',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'nidkit-cross-chunk', node: nodes, input: inputs, output: outputs },
  };
}

type OrtModule = typeof Ort;

/**
 * A `CrossChunk` on onnxruntime: sessions are created on first use per shape and released by
 * the returned `dispose`.
 */
export function createCrossChunk(
  ort: OrtModule,
  sessionOptions: Ort.InferenceSession.SessionOptions,
): { crossChunk: CrossChunk; dispose: () => Promise<void> } {
  const sessions = new Map<string, Promise<Ort.InferenceSession>>();
  /** Output buffers per shape, reused by every call (no 2 MB allocation per chunk). */
  const buffers = new Map<string, Record<string, Float64Array>>();
  let ones = new Float64Array(0);
  const crossChunk: CrossChunk = async (a, shiftA, b, shiftB, rows) => {
    const m = shiftA.length;
    const n = shiftB.length;
    if (a.length !== rows * m || b.length !== rows * n)
      throw new OnnxRuntimeError(
        `crossChunk: inputs of ${a.length} and ${b.length} values do not hold ${rows} rows of ${m} and ${n} columns`,
      );
    const a64 = a instanceof Float64Array;
    const b64 = b instanceof Float64Array;
    const key = `${m}x${n}:${a64 ? 'd' : 'f'}${b64 ? 'd' : 'f'}`;
    let session = sessions.get(key);
    if (!session) {
      session = ort.InferenceSession.create(
        encodeModel(crossChunkModel(m, n, a64, b64)),
        sessionOptions,
      );
      sessions.set(key, session);
      session.catch(() => sessions.delete(key));
    }
    if (ones.length < rows) ones = new Float64Array(rows).fill(1);
    let out = buffers.get(key);
    if (!out) {
      out = { C: new Float64Array(m * n) };
      for (const [x, w] of [
        ['A', m],
        ['B', n],
      ] as const) {
        out[`sum${x}`] = new Float64Array(w);
        out[`sumSq${x}`] = new Float64Array(w);
      }
      buffers.set(key, out);
    }
    const fetches: Record<string, Ort.Tensor> = {};
    for (const [name, buf] of Object.entries(out))
      fetches[name] = new ort.Tensor('float64', buf, name === 'C' ? [m, n] : [1, buf.length]);
    const tensor = (x: Float32Array | Float64Array, dims: number[]): Ort.Tensor =>
      x instanceof Float64Array
        ? new ort.Tensor('float64', x, dims)
        : new ort.Tensor('float32', x, dims);
    let results: Ort.InferenceSession.OnnxValueMapType;
    try {
      results = await (
        await session
      ).run(
        {
          ones: new ort.Tensor('float64', ones.subarray(0, rows), [1, rows]),
          A: tensor(a, [rows, m]),
          hA: new ort.Tensor('float64', shiftA, [m]),
          B: tensor(b, [rows, n]),
          hB: new ort.Tensor('float64', shiftB, [n]),
        },
        fetches,
      );
    } catch (e) {
      throw new OnnxRuntimeError(`crossChunk: onnxruntime failed — ${(e as Error).message}`, {
        cause: e,
      });
    }
    // onnxruntime fills the pre-allocated buffers; read its result in case a build returns its own
    const f64 = (name: string): Float64Array => (results[name]?.data as Float64Array) ?? out[name]!;
    const stats = (x: 'A' | 'B'): ChunkColumnStats => ({
      sum: f64(`sum${x}`),
      sumSq: f64(`sumSq${x}`),
    });
    return { cross: f64('C'), a: stats('A'), b: stats('B') };
  };
  const dispose = async (): Promise<void> => {
    const all = [...sessions.values()];
    sessions.clear();
    for (const s of all) {
      try {
        await (await s).release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  };
  return { crossChunk, dispose };
}
