import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Evaluator } from '@nidkit/core';
import { ReferenceEvaluator } from '@nidkit/core';
import { ReproduceError } from './errors.js';
import type { ProgressFn, ReproduceOptions, Scale } from './types.js';

/** Files written by this process: a later experiment of the same run may reuse shared ones (models) without `resume`. */
const producedThisProcess = new Set<string>();

/** Writes `data` to `path` atomically (temp file in the same folder, then rename). */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  producedThisProcess.add(resolve(path));
}

/** Marks a file written by another module (e.g. an ONNX model) as produced by this process. */
export function markProduced(path: string): void {
  producedThisProcess.add(resolve(path));
}

/** Counts finished work units and reports `(message, fraction)`. */
export class Progress {
  private done = 0;
  constructor(
    private readonly onProgress: ProgressFn | undefined,
    private total: number,
  ) {}

  /** Adds units to the plan (e.g. dependencies discovered late). */
  plan(units: number): void {
    this.total += units;
  }

  /** Reports a message without finishing a unit. */
  note(message: string): void {
    this.onProgress?.(message, this.total > 0 ? Math.min(1, this.done / this.total) : undefined);
  }

  /** Finishes `units` work units and reports `message`. */
  tick(message: string, units = 1): void {
    this.done += units;
    this.note(message);
  }
}

/** Everything an experiment runner needs: where to write, whether to reuse, how to report. */
export class RunContext {
  /** `<outDir>/<name>`. */
  readonly dir: string;
  /**
   * `<outDir>/<name>/work/<scale>-seed<seed>-<config hash>`: one JSON file per finished work unit,
   * so units of another scale, seed or configuration are never mistaken for this run's.
   */
  readonly workDir: string;
  /** `<outDir>/models`: trained models shared by the MNIST experiments. */
  readonly modelDir: string;
  readonly scale: Scale;
  readonly seed: number;
  readonly resume: boolean;
  readonly force: boolean;
  readonly progress: Progress;
  readonly startedAt = Date.now();
  private readonly files: string[] = [];

  constructor(
    readonly name: string,
    options: ReproduceOptions,
    readonly evaluator: Evaluator,
    config: object = {},
  ) {
    const outDir = resolve(options.outDir);
    this.dir = join(outDir, name);
    this.modelDir = join(outDir, 'models');
    this.scale = options.scale ?? 'small';
    this.seed = options.seed ?? 0;
    const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 10);
    this.workDir = join(this.dir, 'work', `${this.scale}-seed${this.seed}-${hash}`);
    this.resume = options.resume ?? false;
    this.force = options.force ?? false;
    this.progress = new Progress(options.onProgress, 0);
  }

  /**
   * Refuses to start when a result exists and neither `resume` nor `force` was given.
   * @throws ReproduceError naming the existing file
   */
  checkStart(): void {
    const result = join(this.dir, 'result.json');
    if (existsSync(result) && !this.resume && !this.force) {
      throw new ReproduceError(
        `reproduce ${this.name}: a result already exists — expected an empty output folder, --resume or --force, got ${result}`,
      );
    }
  }

  /**
   * True when a cached file at `path` may be reused instead of recomputing it: with `resume`
   * (and not `force`), or — for `shared` files such as trained models — when this process wrote
   * it (so `reproduce all` trains each model once, even with `force`).
   */
  mayReuse(path: string, shared = false): boolean {
    if (!existsSync(path)) return false;
    return (this.resume && !this.force) || (shared && producedThisProcess.has(resolve(path)));
  }

  /**
   * A JSON work unit: read `<workDir>/<key>.json` when it may be reused, else compute and store it.
   * @throws ReproduceError when a cached file is not valid JSON
   */
  async unit<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const path = join(this.workDir, `${key}.json`);
    if (this.mayReuse(path)) {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as T;
      } catch (err) {
        throw new ReproduceError(
          `reproduce ${this.name}: cached work unit is corrupt — expected JSON, got ${path}`,
          {
            cause: err,
          },
        );
      }
    }
    const value = await compute();
    await writeAtomic(path, JSON.stringify(value));
    return value;
  }

  /** Writes an output file `<dir>/<fileName>` and records it. */
  async output(fileName: string, data: string): Promise<string> {
    const path = join(this.dir, fileName);
    await writeAtomic(path, data);
    this.files.push(path);
    return path;
  }

  /** Output files written so far. */
  writtenFiles(): string[] {
    return [...this.files];
  }

  /** Seconds since the run started. */
  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }
}

/**
 * The default evaluator: onnxruntime through `@nidkit/onnx` when it loads, else core's exact
 * reference evaluator, with the reason in `note`.
 */
export async function defaultEvaluator(): Promise<{ evaluator: Evaluator; note: string | null }> {
  try {
    // a computed specifier: @nidkit/onnx is optional at type level (loaded lazily, may be absent)
    const specifier: string = '@nidkit/onnx';
    const onnx = (await import(specifier)) as { createOnnxEvaluator?: () => Promise<Evaluator> };
    if (!onnx.createOnnxEvaluator)
      return {
        evaluator: new ReferenceEvaluator(),
        note: '@nidkit/onnx has no createOnnxEvaluator; using the exact reference evaluator',
      };
    return { evaluator: await onnx.createOnnxEvaluator(), note: null };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      evaluator: new ReferenceEvaluator(),
      note: `onnxruntime is not available (${reason}); using the exact reference evaluator (slower)`,
    };
  }
}
