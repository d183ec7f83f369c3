/**
 * The `nidkit` command line: {@link createProgram} declares every command (commander), and
 * {@link main} runs it with nidkit's exit codes (0 ok, 1 failure, 2 usage). Each command lives in
 * `src/commands/<name>.ts` and is imported only when it runs, so `--help` loads neither
 * onnxruntime nor tfjs.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { NidkitError } from '@nidkit/core';
import { UsageError } from './errors.js';
import {
  atLeastTwo,
  finiteNumber,
  listOf,
  nonNegativeInt,
  nonNegativeNumber,
  positiveInt,
  unitInterval,
} from './options.js';

/** Options every data-producing command accepts. */
export interface OutputOptions {
  /** Print the result as JSON on stdout (nothing else goes to stdout). */
  readonly json?: boolean;
  /** A report folder, or a `.json` file for the result only. */
  readonly out?: string;
  /** Replace existing output files (never an input). */
  readonly force?: boolean;
  /** No progress and no diagnostics on stderr. */
  readonly quiet?: boolean;
}

/** Options of commands that evaluate networks on data. */
export interface DataOptions {
  /** `mnist`, `fashion-mnist`, an IDX folder, or a synthetic spec such as `gmm:d=32,k=4`. */
  readonly data: string;
  readonly split?: string;
  readonly limit?: number;
  /** `auto` (onnxruntime when it loads, else reference), `onnx` or `reference`. */
  readonly evaluator?: 'auto' | 'onnx' | 'reference';
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

function outputOptions(
  cmd: Command,
  outHelp = 'write a report folder (result.json, SVG plots, index.html), or only the JSON when the path ends in .json',
): Command {
  return cmd
    .option('--json', 'print the result as JSON on stdout')
    .option('-o, --out <path>', outHelp)
    .option('-f, --force', 'replace existing output files (an input is never overwritten)')
    .option('-q, --quiet', 'no progress bars or notes on stderr');
}

function dataOptions(cmd: Command, required = true): Command {
  const data = new Option(
    '-d, --data <spec>',
    'data: mnist (embedded), fashion-mnist, an IDX folder, or gmm|parity|multilabel[:key=value,…]',
  );
  if (required) data.makeOptionMandatory();
  return cmd
    .addOption(data)
    .option('--split <name>', 'which split to use (train, val, test)', 'train')
    .option('--limit <n>', 'use n samples spread evenly over the split', positiveInt)
    .addOption(
      new Option(
        '--evaluator <kind>',
        'how networks are run: onnxruntime (fast) or the exact reference pass',
      )
        .choices(['auto', 'onnx', 'reference'])
        .default('auto'),
    );
}

type Loader = () => Promise<(...args: never[]) => Promise<void>>;

/**
 * Wraps a lazily loaded command: a {@link UsageError} thrown by the command prints the error and
 * the command's usage line and becomes exit code 2.
 */
function lazy(cmd: Command, load: Loader): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const run = (await load()) as (...a: unknown[]) => Promise<void>;
    try {
      // commander passes (...positionals, options, command)
      await run(...args.slice(0, -1));
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`nidkit ${cmd.name()}: error: ${err.message}\n${usageHint(cmd)}\n`);
        throw new CommanderError(2, 'nidkit.usage', err.message);
      }
      throw err;
    }
  };
}

/**
 * Builds the `nidkit` program with every command. Building it loads no command module, no
 * onnxruntime and no tfjs; the docs generate the CLI reference from it.
 * @returns the commander program (not yet parsed)
 */
export function createProgram(): Command {
  const program = new Command('nidkit');
  program
    .description(
      'Are the neurons of independently trained networks identifiable — can the models be averaged without alignment?\n' +
        'nidkit measures it: linear mode connectivity, activation matching, realization and swap costs (ICML 2026).',
    )
    .version(version(), '-v, --version')
    .showHelpAfterError("(run 'nidkit --help' for the commands)")
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      'after',
      examples([
        'nidkit demo',
        'nidkit inspect model.onnx',
        'nidkit identify a.onnx b.onnx --data mnist',
        'nidkit lmc a.onnx b.onnx --data mnist --points 37 --out lmc-report',
      ]) +
        '\nEnvironment:\n' +
        "  NIDKIT_THREADS  threads of nidkit's WebAssembly kernels: covariances, costs, and similarities\n" +
        '                  without onnxruntime (default: all cores, at most 8)\n',
    );

  const inspect = program
    .command('inspect')
    .description(
      'show what an ONNX model imports as: layers, widths, norms, activations, family, fixed parts, parameters',
    )
    .argument('<model>', 'an ONNX file')
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText(
      'after',
      examples(['nidkit inspect model.onnx', 'nidkit inspect model.onnx --json']),
    );
  inspect.action(lazy(inspect, async () => (await import('./commands/inspect.js')).inspectCommand));

  const train = outputOptions(
    program
      .command('train')
      .description(
        'train one or several MLPs of a family (same fixed parts, different seeds) → ONNX checkpoints + a JSON log',
      ),
    'the output folder for the ONNX models, train-log.json and the report (default: nidkit-train)',
  )
    .addOption(
      new Option(
        '--family <family>',
        'standard, w (W-asymmetric), sigma (σ-asymmetric) or syre (𝒩)',
      )
        .choices(['standard', 'w', 'sigma', 'syre'])
        .default('standard'),
    )
    .option('--kappa <κ>', 'scale σ_F of the fixed weights (w, syre)', nonNegativeNumber, 1)
    .option(
      '--widths <list>',
      'all layer widths including input and output, e.g. 784,512,512,512,10',
      listOf(positiveInt),
    )
    .option(
      '--width <n>',
      'hidden width (with --depth) when --widths is not given',
      positiveInt,
      128,
    )
    .option('--depth <n>', 'number of hidden layers (with --width)', positiveInt, 2)
    .addOption(
      new Option('--norm <kind>', 'normalization after each hidden layer')
        .choices(['layer', 'batch', 'none'])
        .default('layer'),
    )
    .addOption(
      new Option('--activation <kind>', 'hidden activation')
        .choices(['gelu', 'relu'])
        .default('gelu'),
    )
    .option(
      '--num-fixed <list>',
      'fixed entries per row for W-MLPs, one value or one per layer',
      listOf(nonNegativeInt),
    )
    .option('--mask-seed <n>', 'seed of the fixed parts shared by all models', nonNegativeInt, 0)
    .option(
      '--seeds <list>',
      'one model per seed (initialization and data order)',
      listOf(nonNegativeInt),
      [1, 2],
    )
    .option('--epochs <n>', 'training epochs', positiveInt, 5)
    .option('--batch-size <n>', 'mini-batch size', positiveInt, 128)
    .option('--lr <rate>', 'AdamW learning rate', finiteNumber)
    .option(
      '-d, --data <spec>',
      'training data: mnist (embedded), fashion-mnist, an IDX folder, or gmm|parity|multilabel[:key=value,…]',
      'mnist',
    )
    .option('--limit <n>', 'train on n samples spread evenly over the train split', positiveInt)
    .option(
      '--save-every <n>',
      'also write a checkpoint every n epochs (model-seed<s>-epoch<e>.onnx; epoch 0 = initialization)',
      positiveInt,
    )
    .addHelpText(
      'after',
      examples([
        'nidkit train --family w --kappa 1 --seeds 1,2 --epochs 5 --out w-mlps',
        'nidkit train --family standard --epochs 10 --save-every 5 --out std-checkpoints',
        'nidkit train --family standard --widths 784,512,512,512,10 --seeds 1,2,3 --out std',
        'nidkit train --family w --data gmm:d=64,k=8 --width 32 --depth 1 --out gmm-models',
      ]),
    );
  train.action(lazy(train, async () => (await import('./commands/train.js')).trainCommand));

  const match = dataOptions(
    outputOptions(
      program
        .command('match')
        .description(
          'align B to A: per-layer permutation and matching objective (optimal, identity, random); writes the aligned B',
        )
        .argument('<a>', 'model A (ONNX)')
        .argument('<b>', 'model B (ONNX), the one that is permuted'),
    ),
  )
    .addOption(
      new Option('--method <method>', 'activation matching (on data) or weight matching')
        .choices(['activation', 'weights'])
        .default('activation'),
    )
    .addOption(
      new Option('--point <point>', 'where activations are compared')
        .choices(['post_linear', 'post_norm', 'post_activation'])
        .default('post_activation'),
    )
    .addOption(
      new Option(
        '--alignment <kind>',
        "real (maximize correlation) or reference-anti (the reference code's 1−|ρ|)",
      )
        .choices(['real', 'reference-anti'])
        .default('real'),
    )
    .option('--seed <n>', 'seed of the random-permutation baseline', nonNegativeInt, 0)
    .option(
      '--aligned <file>',
      'where to write the aligned copy of B (default: <out>/aligned-b.onnx when --out is a folder)',
    )
    .addHelpText(
      'after',
      examples([
        'nidkit match a.onnx b.onnx --data mnist --aligned b-aligned.onnx',
        'nidkit match a.onnx b.onnx --method weights --data mnist --json',
      ]),
    );
  match.action(lazy(match, async () => (await import('./commands/match.js')).matchCommand));

  const lmc = dataOptions(
    outputOptions(
      program
        .command('lmc')
        .description(
          'linear mode connectivity: unaligned and aligned interpolation curves with every barrier metric',
        )
        .argument('<a>', 'model A (ONNX)')
        .argument('<b>', 'model B (ONNX)'),
    ),
  )
    .option('--points <n>', 'number of λ values on [0, 1]', atLeastTwo, 37)
    .addOption(
      new Option(
        '--align <method>',
        "how the aligned path aligns B to A (none: unaligned only; reference-anti: the reference code's anti-alignment)",
      )
        .choices(['activation', 'weights', 'reference-anti', 'none'])
        .default('activation'),
    )
    .option('--seed <n>', 'seed for the matching baseline', nonNegativeInt, 0)
    .addHelpText(
      'after',
      examples([
        'nidkit lmc a.onnx b.onnx --data mnist',
        'nidkit lmc a.onnx b.onnx --data mnist --points 11 --out lmc-report',
      ]),
    );
  lmc.action(lazy(lmc, async () => (await import('./commands/lmc.js')).lmcCommand));

  const costs = dataOptions(
    outputOptions(
      program
        .command('costs')
        .description(
          'per-layer data subspace (k, coherence ν), realization costs M and swap costs T with summaries',
        )
        .argument('<model>', 'an ONNX model'),
    ),
  )
    .addOption(
      new Option('--estimator <kind>', 'cost estimator')
        .choices(['mahalanobis', 'ridge'])
        .default('mahalanobis'),
    )
    .option('--tau <τ>', 'explained-variance threshold of the subspace', unitInterval, 0.9)
    .option('--beta <β>', 'ridge strength (with --estimator ridge)', nonNegativeNumber, 0.01)
    .option(
      '--neurons <n>',
      'ridge: analyse the first n neurons of each layer (all n² pairs)',
      positiveInt,
      16,
    )
    .option('--iterations <n>', 'ridge: full-batch AdamW steps of each fit', positiveInt, 1000)
    .option('--layer <list>', 'only these linear layers (indices)', listOf(nonNegativeInt))
    .addHelpText(
      'after',
      examples([
        'nidkit costs w-mlp.onnx --data mnist --limit 2000',
        'nidkit costs w-mlp.onnx --data mnist --limit 1000 --estimator ridge --neurons 8 --layer 0 --out ridge',
      ]),
    );
  costs.action(lazy(costs, async () => (await import('./commands/costs.js')).costsCommand));

  const identify = dataOptions(
    outputOptions(
      program
        .command('identify')
        .description(
          'the verdict first: are the neurons identifiable, can A and B be averaged without alignment — and the evidence',
        )
        .argument('<a>', 'model A (ONNX)')
        .argument('<b>', 'model B (ONNX)'),
    ),
  )
    .option('--seed <n>', 'seed of the random-permutation baseline', nonNegativeInt, 0)
    .addHelpText(
      'after',
      examples([
        'nidkit identify a.onnx b.onnx --data mnist',
        'nidkit identify a.onnx b.onnx --data mnist --limit 2000 --json',
      ]),
    );
  identify.action(
    lazy(identify, async () => (await import('./commands/identify.js')).identifyCommand),
  );

  const merge = program
    .command('merge')
    .description(
      'average two or more models (optionally aligned to the first), recomputing BatchNorm statistics when needed',
    )
    .argument('<models...>', 'the ONNX models to merge (the first is the reference for --align)')
    .requiredOption('-o, --out <file>', 'the merged ONNX model')
    .option(
      '--align',
      'permute every model to the first before averaging (activation matching on --data)',
    )
    .option(
      '--weights <list>',
      'averaging weights, one per model (normalized to sum 1)',
      listOf(nonNegativeNumber),
    )
    .option('-d, --data <spec>', 'data for --align and for BatchNorm statistics (default: mnist)')
    .option('--split <name>', 'which split to use', 'train')
    .option('--limit <n>', 'use n samples spread evenly over the split', positiveInt)
    .addOption(
      new Option('--evaluator <kind>', 'how networks are run')
        .choices(['auto', 'onnx', 'reference'])
        .default('auto'),
    )
    .option('--json', 'print a summary of the merge as JSON on stdout')
    .option('-f, --force', 'replace an existing output file (an input is never overwritten)')
    .option('-q, --quiet', 'no progress bars or notes on stderr')
    .addHelpText(
      'after',
      examples([
        'nidkit merge a.onnx b.onnx --out merged.onnx',
        'nidkit merge a.onnx b.onnx c.onnx --align --data mnist --out merged.onnx',
        'nidkit merge a.onnx b.onnx --weights 0.7,0.3 --out merged.onnx',
      ]),
    );
  merge.action(lazy(merge, async () => (await import('./commands/merge.js')).mergeCommand));

  const demo = outputOptions(
    program
      .command('demo')
      .description(
        "the paper's result in a few minutes: train two standard MLPs and two W-MLPs (κ = 1) on MNIST, then compare barriers, matching and swap costs",
      ),
    'the report folder (default: nidkit-demo)',
  )
    .option('--seed <n>', 'base seed (models use seed, seed+1)', nonNegativeInt, 0)
    .addOption(
      new Option('--scale <scale>', 'problem size (tiny: seconds, for testing)')
        .choices(['tiny', 'small'])
        .default('small')
        .hideHelp(),
    )
    .addHelpText(
      'after',
      examples([
        'nidkit demo',
        'nidkit demo --out my-demo --force',
        'nidkit demo --json > demo.json',
      ]),
    );
  demo.action(lazy(demo, async () => (await import('./commands/demo.js')).demoCommand));

  const reproduce = outputOptions(
    program
      .command('reproduce')
      .description(
        "run the paper's experiments (LMC of the MLP families, κ sweep, swap costs, coherence, realization costs) with trend checks",
      )
      .argument('[experiment]', 'an experiment name, or all (see --list)'),
    'the output folder; each experiment writes <out>/<name>/ (default: nidkit-reproduce)',
  )
    .addOption(
      new Option(
        '--scale <scale>',
        "tiny (seconds), small (minutes, this machine) or paper (the paper's sizes)",
      )
        .choices(['tiny', 'small', 'paper'])
        .default('small'),
    )
    .option('--seed <n>', 'base seed of every derived seed', nonNegativeInt, 0)
    .option('--resume', 'reuse trained models and finished work units found in the output folder')
    .option('--list', 'list the experiments')
    .addHelpText(
      'after',
      examples([
        'nidkit reproduce --list',
        'nidkit reproduce lmc-families --scale small',
        'nidkit reproduce all --scale tiny --out repro --force',
      ]),
    );
  reproduce.action(
    lazy(reproduce, async () => (await import('./commands/reproduce.js')).reproduceCommand),
  );

  const schema = program
    .command('schema')
    .description("print the JSON Schema of a command's --json result")
    .argument('[command]', 'the command (omit to list them)')
    .addHelpText(
      'after',
      examples(['nidkit schema lmc', 'nidkit lmc a.onnx b.onnx --data mnist --json > lmc.json']),
    );
  schema.action(lazy(schema, async () => (await import('./commands/schema.js')).schemaCommand));

  // after a usage error: the command's usage line and where its options are, not its whole help
  for (const c of program.commands) c.showHelpAfterError(usageHint(c));
  return program;
}

/** What follows a usage error of `cmd`: its usage line and how to see its options. */
function usageHint(cmd: Command): string {
  return `Usage: nidkit ${cmd.name()} ${cmd.usage()}\n(run 'nidkit ${cmd.name()} --help' for its options and examples)`;
}

let epipeGuard = false;

function isMissingBuild(err: unknown): err is Error {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
    /@nidkit\/|[\\/]dist[\\/]/.test(err.message)
  );
}

/**
 * Runs the command line and returns the exit code: 0 ok, 1 failure (a nidkit error prints one
 * line; an unexpected error prints its stack and asks for a report), 2 usage (with help).
 * @param argv - `process.argv`-style arguments (node, script, …args)
 * @returns the exit code
 */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  if (!epipeGuard) {
    epipeGuard = true;
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  const program = createProgram();
  try {
    if (argv.length <= 2) {
      process.stderr.write(program.helpInformation());
      return 2;
    }
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof NidkitError) {
      process.stderr.write(`nidkit: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 1;
    }
    if (isMissingBuild(err)) {
      process.stderr.write(
        `nidkit: a workspace package is not built (${err.message.split('\n')[0]}) — run \`pnpm nidkit\` from the repository root, which builds first, or \`pnpm turbo run build --filter=@nidkit/cli...\`\n`,
      );
      return 1;
    }
    const stack = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
    process.stderr.write(
      `nidkit: unexpected error — this is a bug in nidkit; please report it with the command you ran and this output.\n${stack}\n`,
    );
    return 1;
  }
}
