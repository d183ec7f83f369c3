/**
 * What every command shares: loading models and data, choosing an evaluator, checking outputs
 * before the work starts, and emitting the result (table on stdout, `--json`, `--out`).
 */
import { access, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { NidkitError, ReferenceEvaluator } from '@nidkit/core';
import type { Evaluator, Network } from '@nidkit/core';
import type { ModelSummary } from '@nidkit/onnx';
import type { OutputOptions } from '../cli.js';
import { InputFileError } from '../errors.js';
import { checkOutputPath, toJson, writeFileAtomic } from '../io/output.js';
import { note } from '../io/progress.js';
import { writeReport } from '../report/index.js';
import type { ReportFile, ReportPlot } from '../report/index.js';
import { SCHEMA_VERSION } from '../schemas/index.js';

/** A model loaded from an ONNX file, with the importer's summary and warnings. */
export interface LoadedModel {
  readonly path: string;
  readonly network: Network;
  readonly summary: ModelSummary;
  readonly warnings: readonly string[];
}

/**
 * Checks that an input file exists and is a readable file.
 * @throws InputFileError naming the path
 */
export async function requireFile(path: string, what = 'input file'): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
    await access(path);
  } catch (err) {
    throw new InputFileError(
      path,
      `cannot read the ${what} ${path} — no such file or not readable`,
      { cause: err },
    );
  }
  if (!isFile)
    throw new InputFileError(
      path,
      `the ${what} ${path} is not a file — expected an ONNX file, got a folder`,
    );
}

/**
 * Loads an ONNX model through `@nidkit/onnx`, printing the importer's warnings on stderr.
 * @throws InputFileError for a missing file; OnnxImportError for a file nidkit cannot import
 */
export async function loadModel(
  path: string,
  options: { quiet?: boolean } = {},
): Promise<LoadedModel> {
  await requireFile(path, 'model');
  const { loadOnnxModel } = await import('@nidkit/onnx');
  let r: Awaited<ReturnType<typeof loadOnnxModel>>;
  try {
    r = await loadOnnxModel(path);
  } catch (err) {
    // name the file in the one-line message
    if (err instanceof NidkitError && !err.message.includes(path)) {
      throw new InputFileError(path, `${path}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  for (const w of r.warnings) note(`nidkit: ${path}: ${w}`, options);
  return { path, network: r.network, summary: r.summary, warnings: r.warnings };
}

/**
 * The evaluator a command computes with: onnxruntime (fast) when `kind` is `onnx`, or `auto` and
 * it loads; the exact reference pass otherwise.
 */
export async function createEvaluator(
  kind: 'auto' | 'onnx' | 'reference' = 'auto',
  options: { quiet?: boolean } = {},
): Promise<Evaluator> {
  if (kind === 'reference') return new ReferenceEvaluator();
  try {
    const { createOnnxEvaluator } = await import('@nidkit/onnx');
    return await createOnnxEvaluator();
  } catch (err) {
    if (kind === 'onnx') throw err;
    note(
      `nidkit: onnxruntime is not available (${err instanceof Error ? err.message : String(err)}); using the exact reference evaluator`,
      options,
    );
    return new ReferenceEvaluator();
  }
}

/** Runs `fn` with an evaluator and disposes of it afterwards. */
export async function withEvaluator<T>(
  kind: 'auto' | 'onnx' | 'reference' | undefined,
  options: { quiet?: boolean },
  fn: (evaluator: Evaluator) => Promise<T>,
): Promise<T> {
  const evaluator = await createEvaluator(kind ?? 'auto', options);
  try {
    return await fn(evaluator);
  } finally {
    await evaluator.dispose();
  }
}

/** Whether `--out` names a JSON file (result only) rather than a report folder. */
export function outIsJsonFile(out: string): boolean {
  return extname(out).toLowerCase() === '.json';
}

/**
 * Checks the outputs a command will write before any work starts, so a refused overwrite costs
 * nothing: the `--out` target (a `.json` file, or the report folder's files) and `extra` paths.
 * @throws OutputFileError
 */
export async function preflightOutputs(
  opts: OutputOptions,
  inputs: readonly string[],
  reportFiles: readonly string[] = [],
  extra: readonly string[] = [],
): Promise<void> {
  const w = { force: opts.force ?? false, inputs };
  if (opts.out !== undefined) {
    if (outIsJsonFile(opts.out)) await checkOutputPath(opts.out, w);
    else {
      // the folder may exist (its files are checked one by one); it may not be an input
      await checkOutputPath(opts.out, { inputs, force: true });
      for (const f of ['result.json', 'index.html', ...reportFiles])
        await checkOutputPath(join(opts.out, f), w);
    }
  }
  for (const p of extra) await checkOutputPath(p, w);
}

/** The JSON envelope of every command's result. */
export function envelope<T extends object>(
  command: string,
  result: T,
): { schemaVersion: number; command: string } & T {
  return { schemaVersion: SCHEMA_VERSION, command, ...result };
}

/** What {@link emit} writes. */
export interface Emission {
  readonly command: string;
  readonly title: string;
  /** Human-readable summary (stdout without `--json`, and the report's summary). */
  readonly summary: string;
  readonly json: object;
  /** Plots are rendered only when a report folder is written. */
  readonly plots?: () => Promise<ReportPlot[]>;
  readonly files?: readonly ReportFile[];
  readonly inputs: readonly string[];
}

/**
 * Emits a result: the summary (or the JSON with `--json`) on stdout; with `--out`, the JSON file
 * or the report folder. Notes where files went on stderr.
 * @returns the paths written
 */
export async function emit(opts: OutputOptions, e: Emission): Promise<string[]> {
  let written: string[] = [];
  const w = { force: opts.force ?? false, inputs: e.inputs };
  if (opts.out !== undefined) {
    if (outIsJsonFile(opts.out)) {
      await writeFileAtomic(opts.out, toJson(e.json), w);
      written = [opts.out];
    } else {
      const plots = e.plots ? await e.plots() : [];
      written = await writeReport(
        opts.out,
        { title: e.title, summary: e.summary, json: e.json, plots, files: e.files ?? [] },
        w,
      );
    }
  }
  if (opts.json) process.stdout.write(toJson(e.json));
  else process.stdout.write(`${e.summary}\n`);
  if (written.length > 0) {
    const shown = outIsJsonFile(opts.out!) ? opts.out! : join(opts.out!, 'index.html');
    note(`nidkit: wrote ${written.length} file${written.length === 1 ? '' : 's'} → ${shown}`, {
      quiet: (opts.quiet ?? false) || (opts.json ?? false),
    });
  }
  return written;
}
