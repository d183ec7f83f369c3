/**
 * The fast {@link Evaluator} of nidkit: networks run in onnxruntime-node (CPU), in batches.
 * onnxruntime is loaded lazily (dynamic import) the first time an evaluator is created.
 *
 * Sessions are cached per architecture and set of recorded tensors: the graph takes every weight
 * as a graph input, so evaluating many networks of one architecture (e.g. the 37 points of an
 * interpolation path) reuses one session and only feeds new weights.
 */
import type {
  CrossChunk,
  Evaluator,
  Network,
  RecordingPoint,
  RunOptions,
  RunResult,
  Tensor,
} from '@nidkit/core';
import {
  InvalidArgumentError,
  ShapeMismatchError,
  blocksOf,
  checkRecordingPoint,
  inputFeatures,
  tensor,
  toDense,
  validateNetwork,
} from '@nidkit/core';
import type * as Ort from 'onnxruntime-node';
import { OnnxRuntimeError } from '../errors.js';
import type { GraphNames } from '../export/export.js';
import { buildModel } from '../export/export.js';
import { encodeModel } from '../proto/schema.js';
import { createCrossChunk } from './cross-chunk.js';

/** Options of {@link createOnnxEvaluator}. */
export interface OnnxEvaluatorOptions {
  /** Default samples per batch when `run` is not given one (default 1024). */
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, one per physical core). */
  readonly intraOpNumThreads?: number;
  /** Sessions kept in the cache, least recently used evicted first (default 8). */
  readonly maxSessions?: number;
  /** Opset of the runtime graphs (default 20: the fused `Gelu` op, faster than its opset-17 decomposition; these graphs are internal and never written to disk). */
  readonly opset?: number;
}

type OrtModule = typeof Ort;

/** A cache entry: the session (being) created, how many runs hold it, and whether it was evicted. */
interface CachedSession {
  readonly ready: Promise<Ort.InferenceSession>;
  /** Runs holding the entry (counted synchronously, before the session resolves). */
  users: number;
  evicted: boolean;
}

/**
 * Options of every session: CPU, all graph optimizations, and intra-op threads that sleep instead
 * of spinning when a run ends. The evaluator alternates between sessions (model A, model B, the
 * cross statistics); spinning threads of the idle ones took the cores from the busy one and made
 * alternating runs 2× slower (three cross-statistics sessions in turn: 22 vs 9 ms per chunk on two
 * cores; single-session runs are unaffected).
 */
function sessionOptions(options: OnnxEvaluatorOptions): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

function releaseIfIdle(s: CachedSession): void {
  if (s.evicted && s.users === 0)
    void s.ready.then((session) => session.release()).catch(() => undefined);
}

let ortPromise: Promise<OrtModule> | null = null;

async function loadOrt(): Promise<OrtModule> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => {
      const mod = m as unknown as Partial<OrtModule> & { default?: OrtModule };
      return mod.InferenceSession ? (mod as OrtModule) : mod.default!;
    },
    (e: unknown) => {
      ortPromise = null;
      throw new OnnxRuntimeError(
        `createOnnxEvaluator: onnxruntime-node cannot be loaded — ${(e as Error).message}`,
        { cause: e },
      );
    },
  );
  return ortPromise;
}

/** A structural signature: networks with equal keys share one session. */
function architectureKey(net: Network): string {
  return JSON.stringify({
    f: net.family,
    s: net.inputShape,
    l: net.layers.map((l) => {
      switch (l.type) {
        case 'linear':
          return ['L', l.weight.shape, l.bias !== null, l.fixed?.kind ?? null];
        case 'norm':
          return ['N', l.kind, Math.fround(l.eps)];
        case 'act':
          return ['A', l.kind];
        case 'gate':
          return ['G', l.C.shape];
        case 'input-norm':
          return ['I'];
        case 'flatten':
          return ['F'];
      }
    }),
  });
}

function recordName(names: GraphNames, blocks: number, p: RecordingPoint): string {
  switch (p.point) {
    case 'input':
      return names.linearInput[p.layer]!;
    case 'post_linear':
      return names.postLinear[p.layer]!;
    case 'post_norm':
      return names.postNorm[p.layer]!;
    case 'post_activation':
      return p.layer < blocks - 1 ? names.postActivation[p.layer]! : names.postLinear[p.layer]!;
  }
}

class OnnxEvaluator implements Evaluator {
  readonly name = 'onnxruntime';
  /** Float64 cross statistics of recorded activations on onnxruntime (core's `CrossChunk`). */
  readonly crossChunk: CrossChunk;
  private readonly sessions = new Map<string, CachedSession>();
  private readonly disposeCross: () => Promise<void>;
  private disposed = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly options: OnnxEvaluatorOptions,
  ) {
    const cross = createCrossChunk(ort, sessionOptions(options));
    this.crossChunk = (...args) => {
      if (this.disposed)
        return Promise.reject(
          new OnnxRuntimeError('OnnxEvaluator.crossChunk: the evaluator has been disposed'),
        );
      return cross.crossChunk(...args);
    };
    this.disposeCross = cross.dispose;
  }

  /** The cache entry for `key`, created (and the LRU evicted) synchronously; the caller holds it. */
  private acquire(key: string, model: () => Uint8Array): CachedSession {
    let entry = this.sessions.get(key);
    if (entry) {
      this.sessions.delete(key);
      this.sessions.set(key, entry);
    } else {
      const ready = this.ort.InferenceSession.create(model(), sessionOptions(this.options)).catch(
        (e: unknown) => {
          this.sessions.delete(key);
          throw new OnnxRuntimeError(
            `OnnxEvaluator.run: onnxruntime rejected the graph — ${(e as Error).message}`,
            { cause: e },
          );
        },
      );
      entry = { ready, users: 0, evicted: false };
      this.sessions.set(key, entry);
      const max = Math.max(1, this.options.maxSessions ?? 8);
      for (const [oldKey, old] of this.sessions) {
        if (this.sessions.size <= max) break;
        this.sessions.delete(oldKey);
        old.evicted = true;
        releaseIfIdle(old);
      }
    }
    entry.users++;
    return entry;
  }

  async run(net: Network, inputs: Tensor, options: RunOptions = {}): Promise<RunResult> {
    if (this.disposed)
      throw new OnnxRuntimeError('OnnxEvaluator.run: the evaluator has been disposed');
    validateNetwork(net);
    // W-asym/syre: feed the effective weights, computed with exactly the float32 operations of
    // the exported graph (Where(D, W, κN) / W + κN), so the function is bit-identical.
    const runNet = net.family === 'w-asym' || net.family === 'syre' ? toDense(net) : net;
    const blocks = blocksOf(runNet);
    const d = inputFeatures(runNet);
    const n = inputs.shape[0] ?? 0;
    const flatOk = inputs.shape.length === 2 && inputs.shape[1] === d;
    const fullOk =
      inputs.shape.length === runNet.inputShape.length + 1 &&
      runNet.inputShape.every((s, i) => s === inputs.shape[i + 1]);
    if (!flatOk && !fullOk)
      throw new ShapeMismatchError(
        'OnnxEvaluator.run: inputs',
        [n, ...runNet.inputShape],
        inputs.shape,
      );
    const record = options.record ?? [];
    for (const p of record) {
      const msg = checkRecordingPoint(blocks, p);
      if (msg)
        throw new InvalidArgumentError(
          `OnnxEvaluator.run: recording point ${p.point}@${p.layer}: ${msg}`,
        );
    }
    const batch = options.batchSize ?? this.options.batchSize ?? 1024;
    if (!Number.isInteger(batch) || batch < 1)
      throw new InvalidArgumentError(
        `OnnxEvaluator.run: batchSize — expected a positive integer, got ${batch}`,
      );
    const opset = this.options.opset ?? 20;
    // Names first (cheap), then the recorded tensors of this request.
    const probe = buildModel(runNet, { opset, weightsAsInputs: true, noMetadata: true });
    const recNames = record.map((p) => recordName(probe.names, blocks.length, p));
    const fetches = ['logits', ...new Set(recNames.filter((x) => x !== 'logits' && x !== 'input'))];
    const key = `${architectureKey(runNet)}|${opset}|${fetches.join(',')}`;
    const entry = this.acquire(key, () =>
      encodeModel(
        buildModel(runNet, {
          opset,
          weightsAsInputs: true,
          noMetadata: true,
          extraOutputs: fetches,
        }).model,
      ),
    );
    try {
      const session = await entry.ready;
      return await this.feed(session, runNet, probe, blocks, inputs, recNames, fetches, batch, d);
    } finally {
      entry.users--;
      releaseIfIdle(entry);
    }
  }

  private async feed(
    session: Ort.InferenceSession,
    runNet: Network,
    probe: ReturnType<typeof buildModel>,
    blocks: ReturnType<typeof blocksOf>,
    inputs: Tensor,
    recNames: string[],
    fetches: string[],
    batch: number,
    d: number,
  ): Promise<RunResult> {
    const n = inputs.shape[0] ?? 0;

    const ort = this.ort;
    const weightFeeds: Record<string, Ort.Tensor> = {};
    for (const f of probe.feeds) {
      weightFeeds[f.name] =
        f.type === 'bool'
          ? new ort.Tensor('bool', f.data as Uint8Array, f.dims)
          : new ort.Tensor('float32', f.data as Float32Array, f.dims);
    }
    const widths = new Map<string, number>();
    blocks.forEach((b, l) => {
      const outW = b.linear.weight.shape[0]!;
      widths.set(probe.names.linearInput[l]!, b.linear.weight.shape[1]!);
      widths.set(probe.names.postLinear[l]!, outW);
      if (probe.names.postNorm[l]) widths.set(probe.names.postNorm[l], outW);
      if (probe.names.postActivation[l]) widths.set(probe.names.postActivation[l], outW);
    });
    // Uninitialized result buffers (every entry is written by onnxruntime below): no zero-fill pass.
    const buffers = new Map<string, Float32Array>(
      fetches.map((name) => [
        name,
        new Float32Array(
          Buffer.allocUnsafeSlow(4 * n * widths.get(name)!).buffer,
          0,
          n * widths.get(name)!,
        ),
      ]),
    );
    const src = inputs.data;
    const dims = [0, ...runNet.inputShape];
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const rows = end - start;
      const slice = src.subarray(start * d, end * d);
      const x = slice instanceof Float32Array ? slice : Float32Array.from(slice);
      dims[0] = rows;
      // Pre-allocated outputs: onnxruntime writes straight into the result buffers.
      const views = new Map(
        fetches.map((name) => [
          name,
          buffers.get(name)!.subarray(start * widths.get(name)!, end * widths.get(name)!),
        ]),
      );
      const outputs: Record<string, Ort.Tensor> = {};
      for (const [name, view] of views)
        outputs[name] = new ort.Tensor('float32', view, [rows, widths.get(name)!]);
      let results: Ort.InferenceSession.OnnxValueMapType;
      try {
        results = await session.run(
          { ...weightFeeds, input: new ort.Tensor('float32', x, [...dims]) },
          outputs,
        );
      } catch (e) {
        throw new OnnxRuntimeError(
          `OnnxEvaluator.run: onnxruntime failed on rows ${start}..${end - 1} — ${(e as Error).message}`,
          { cause: e },
        );
      }
      for (const name of fetches) {
        const t = results[name];
        const view = views.get(name)!;
        if (!t || !(t.data instanceof Float32Array) || t.data.length !== view.length) {
          throw new OnnxRuntimeError(
            `OnnxEvaluator.run: onnxruntime returned no float32 tensor "${name}" of shape [${rows}, ${widths.get(name)!}]`,
          );
        }
        // Copy only if this onnxruntime build returned its own buffer instead of filling ours.
        if (t.data.buffer !== view.buffer || t.data.byteOffset !== view.byteOffset)
          view.set(t.data);
      }
    }
    const out = (name: string): Tensor<Float32Array> => {
      if (name === 'input')
        return tensor(src instanceof Float32Array ? src.slice() : Float32Array.from(src), [n, d]);
      return tensor(buffers.get(name)!, [n, widths.get(name)!]);
    };
    return { logits: out('logits'), activations: recNames.map(out) };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.disposeCross();
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of all) {
      try {
        await (await p.ready).release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  }
}

/**
 * Creates the onnxruntime-backed evaluator (core's `Evaluator` interface): logits and recorded
 * activations at any `RecordingPoint` (`input`, `post_linear`, `post_norm`, `post_activation`) by
 * adding the intermediate tensors as graph outputs. Loss and accuracy over a dataset come from
 * core's `evaluateSplit(evaluator, …)` (mean cross-entropy, accuracy in %).
 * onnxruntime-node is imported lazily here, so parsing and export never load it.
 *
 * Agreement with core's reference `forward`: max |Δ| ≤ 1e−4·max(1, max|y|) (float32 vs float64).
 *
 * @param options - batch size, threads, session cache size, runtime opset
 * @returns an Evaluator named `onnxruntime`; call `dispose()` to release its sessions
 * @throws OnnxRuntimeError when onnxruntime-node cannot be loaded
 */
export async function createOnnxEvaluator(options: OnnxEvaluatorOptions = {}): Promise<Evaluator> {
  if (
    options.batchSize !== undefined &&
    (!Number.isInteger(options.batchSize) || options.batchSize < 1)
  ) {
    throw new InvalidArgumentError(
      `createOnnxEvaluator: batchSize — expected a positive integer, got ${options.batchSize}`,
    );
  }
  const ort = await loadOrt();
  return new OnnxEvaluator(ort, options);
}
