/**
 * `nidkit reproduce <experiment|all>`: runs the paper's experiments (src/reproduce, results.md)
 * and writes `<out>/<name>/{result.json, *.svg, summary.md}` per experiment.
 */
import { join } from 'node:path';
import type { OutputOptions } from '../cli.js';
import { UsageError } from '../errors.js';
import { duration, table } from '../io/format.js';
import { toJson } from '../io/output.js';
import { createProgress, note } from '../io/progress.js';
import { EXPERIMENTS, runExperiment } from '../reproduce/index.js';
import { envelope } from './shared.js';

/** Options of {@link reproduceCommand}. */
export interface ReproduceCommandOptions extends OutputOptions {
  readonly scale: 'tiny' | 'small' | 'paper';
  readonly seed: number;
  readonly resume?: boolean;
  readonly list?: boolean;
}

/** The experiment table of `nidkit reproduce --list`. */
export function experimentList(): string {
  return table(
    ['experiment', 'what it reproduces'],
    EXPERIMENTS.map((e) => [e.name, e.title]),
  );
}

/**
 * Runs `nidkit reproduce`.
 * @throws UsageError for an unknown experiment; ReproduceError from the runners
 */
export async function reproduceCommand(
  experiment: string | undefined,
  opts: ReproduceCommandOptions,
): Promise<void> {
  if (opts.list || experiment === undefined) {
    if (opts.json)
      process.stdout.write(toJson(envelope('reproduce', { experiments: EXPERIMENTS })));
    else
      process.stdout.write(
        `${experimentList()}\n\nrun one with: nidkit reproduce <experiment> [--scale tiny|small|paper]; all runs every experiment\n`,
      );
    if (experiment === undefined && !opts.list)
      throw new UsageError(
        'missing argument <experiment> — expected one of the experiments above, or all',
      );
    return;
  }
  const names = experiment === 'all' ? EXPERIMENTS.map((e) => e.name) : [experiment];
  for (const n of names) {
    if (!EXPERIMENTS.some((e) => e.name === n)) {
      throw new UsageError(
        `unknown experiment "${n}" — expected one of ${EXPERIMENTS.map((e) => e.name).join(', ')}, or all`,
      );
    }
  }
  const quiet = opts.quiet ?? false;
  const outDir = opts.out ?? 'nidkit-reproduce';
  const results = [];
  for (const [i, name] of names.entries()) {
    const progress = await createProgress(name, { quiet });
    const t0 = Date.now();
    try {
      const r = await runExperiment(name, {
        scale: opts.scale,
        outDir,
        seed: opts.seed,
        ...(opts.resume ? { resume: true } : {}),
        ...(opts.force ? { force: true } : {}),
        onProgress: (msg, fraction) => {
          if (fraction === undefined && !process.stderr.isTTY) note(`${name}: ${msg}`, { quiet });
          progress.update(msg, fraction);
        },
      });
      results.push({ ...r, seconds: (Date.now() - t0) / 1000 });
    } finally {
      progress.stop();
    }
    note(`nidkit: ${name} done (${i + 1}/${names.length}) → ${join(outDir, name)}`, { quiet });
  }
  if (opts.json) {
    process.stdout.write(
      toJson(
        envelope('reproduce', {
          scale: opts.scale,
          seed: opts.seed,
          outDir,
          experiments: results.map((r) => ({
            name: r.name,
            seconds: r.seconds,
            files: r.files,
            result: r.json,
          })),
        }),
      ),
    );
    return;
  }
  const lines: string[] = [];
  for (const r of results) {
    lines.push(r.summaryMarkdown.trimEnd(), '');
    lines.push(`(${duration(r.seconds * 1000)}; files in ${join(outDir, r.name)})`, '');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
