import type { Evaluator } from '@nidkit/core';

/** How large a reproduction run is. */
export type Scale = 'tiny' | 'small' | 'paper';

/** The scales, smallest first. */
export const SCALES: readonly Scale[] = ['tiny', 'small', 'paper'];

/** Progress callback: a message and, when known, the fraction of the experiment done (0–1). */
export type ProgressFn = (message: string, fraction?: number) => void;

/** Options of {@link runExperiment}. */
export interface ReproduceOptions {
  /** `tiny` (tests, seconds), `small` (this machine, minutes; default), `paper` (the paper's sizes). */
  readonly scale?: Scale;
  /** Output folder; the experiment writes `<outDir>/<name>/…`. */
  readonly outDir: string;
  /** Base seed of every seed the experiment derives (default 0). */
  readonly seed?: number;
  /** Reuse every work unit (trained model, pair record) whose file already exists. */
  readonly resume?: boolean;
  /** Recompute everything and overwrite existing results. */
  readonly force?: boolean;
  /** Progress messages (stderr in the CLI). */
  readonly onProgress?: ProgressFn;
  /**
   * The evaluator for every forward pass. Default: the onnxruntime evaluator of `@nidkit/onnx`
   * when it loads, else core's exact `ReferenceEvaluator`.
   */
  readonly evaluator?: Evaluator;
}

/** What {@link runExperiment} returns. */
export interface ExperimentResult {
  readonly name: string;
  /** The content of `result.json` (plain JSON with `schemaVersion`). */
  readonly json: ReproduceJson;
  /** Every file written (absolute paths): result.json, the SVG plots, summary.md. */
  readonly files: string[];
  /** The content of `summary.md`. */
  readonly summaryMarkdown: string;
}

/** One stated trend check of a summary: what the paper expects and whether nidkit observed it. */
export interface TrendCheck {
  /** results.md check id (R1…R8) or a short name. */
  readonly id: string;
  /** What is expected, in words. */
  readonly expectation: string;
  /** The numbers observed, in words. */
  readonly observed: string;
  /** true: the trend holds; false: it does not; null: not testable at this scale. */
  readonly holds: boolean | null;
}

/** Fields shared by every experiment's result.json. */
export interface ReproduceJson {
  readonly schemaVersion: string;
  readonly experiment: string;
  readonly scale: Scale;
  readonly seed: number;
  readonly createdAt: string;
  readonly evaluator: string;
  readonly durationSeconds: number;
  readonly config: object;
  readonly checks: readonly TrendCheck[];
  readonly [key: string]: unknown;
}
