/**
 * The MNIST models shared by lmc-families, kappa-sweep and realization-costs: trained once per
 * (scale, variant, seed, model index), cached as `<outDir>/models/<key>.json`, and reused by every
 * later experiment of the same process (and by any run with `resume`).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Dataset, Network } from '@nidkit/core';
import type { RunContext } from './context.js';
import { MNIST, type MnistScaleConfig } from './configs.js';
import { withTrainSubset } from './data.js';
import type { Variant } from './families.js';
import { ReproduceError } from './errors.js';
import { loadNetworkJson, saveNetworkJson } from './network-file.js';
import { buildMnistMlp, loadMnist, trainClassifier, type TrainSummary } from './science.js';

/** Seed of the fixed parts shared by every MNIST model of a run (all families, all κ). */
export function mnistMaskSeed(seed: number): number {
  return 1000 + seed;
}

/** A trained model with its training summary. */
export interface ZooModel {
  readonly key: string;
  readonly network: Network;
  readonly training: TrainSummary;
  /** Model index m (pairs are (0,1), (2,3), …). */
  readonly index: number;
}

let mnistCache: Dataset | null = null;

/** mnist-10k, loaded once per process. */
export function mnist(): Dataset {
  mnistCache ??= loadMnist();
  return mnistCache;
}

/** mnist-10k with the scale's training subset. */
export function mnistForScale(cfg: MnistScaleConfig): Dataset {
  return withTrainSubset(mnist(), cfg.trainLimit, 'mnist-train');
}

function modelKey(ctx: RunContext, variant: Variant, index: number): string {
  // only what determines the trained weights enters the key
  const { width, epochs, trainLimit, batchSize, lr, weightDecay } = MNIST[ctx.scale];
  const training = { width, epochs, trainLimit: trainLimit ?? null, batchSize, lr, weightDecay };
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        training,
        variant,
        seed: ctx.seed,
        index,
        maskSeed: mnistMaskSeed(ctx.seed),
      }),
    )
    .digest('hex')
    .slice(0, 10);
  return `mnist-${ctx.scale}-${variant.id}-seed${ctx.seed}-m${index}-${hash}`;
}

/**
 * Model `index` of `variant`: loaded from the cache when allowed, else built and trained.
 * @param ctx - the run context (scale, seed, resume, progress)
 * @param variant - family and κ
 * @param index - model index m (0-based)
 */
export async function zooModel(
  ctx: RunContext,
  variant: Variant,
  index: number,
  retrain = false,
): Promise<ZooModel> {
  const key = modelKey(ctx, variant, index);
  const path = join(ctx.modelDir, `${key}.json`);
  if (!retrain && ctx.mayReuse(path, true)) {
    const { network, extra } = await loadNetworkJson(path);
    ctx.progress.tick(`${variant.label} model ${index}: loaded from ${path}`);
    return { key, network, training: extra['training'] as TrainSummary, index };
  }
  const cfg = MNIST[ctx.scale];
  const net = buildMnistMlp(variant, cfg.width, mnistMaskSeed(ctx.seed), ctx.seed, index);
  // the standard MLPs keep checkpoints for the identifiability-over-training table (R6)
  const keep = variant.id === STANDARD_ID ? new Set(cfg.checkpointEpochs) : null;
  const { network, summary } = await trainClassifier(
    net,
    mnistForScale(cfg),
    cfg,
    (msg) => ctx.progress.note(`${variant.label} model ${index}: ${msg}`),
    keep
      ? async (epoch, cp) => {
          if (keep.has(epoch))
            await saveNetworkJson(checkpointPath(ctx, variant, index, epoch), cp, { key, epoch });
        }
      : undefined,
  );
  await saveNetworkJson(path, network, {
    key,
    variant,
    index,
    scale: ctx.scale,
    seed: ctx.seed,
    training: summary,
  });
  ctx.progress.tick(
    `${variant.label} model ${index}: trained (${summary.finalTrainAccuracy?.toFixed(2) ?? '?'} % train)`,
  );
  return { key, network, training: summary, index };
}

const STANDARD_ID = 'standard';

function checkpointPath(ctx: RunContext, variant: Variant, index: number, epoch: number): string {
  return join(ctx.modelDir, `${modelKey(ctx, variant, index)}-epoch${epoch}.json`);
}

/**
 * The standard MLP `index` after `epoch` epochs (one of the scale's `checkpointEpochs`), from the
 * checkpoint written while training it; retrains the model (deterministically) when the
 * checkpoint is missing.
 * @throws ReproduceError when `epoch` is not a checkpointed epoch
 */
export async function zooCheckpoint(
  ctx: RunContext,
  variant: Variant,
  index: number,
  epoch: number,
): Promise<Network> {
  const cfg = MNIST[ctx.scale];
  if (variant.id !== STANDARD_ID || !cfg.checkpointEpochs.includes(epoch)) {
    throw new ReproduceError(
      `zooCheckpoint: no checkpoint — expected the standard MLP at epoch ${cfg.checkpointEpochs.join(', ')}, got ${variant.id} at epoch ${epoch}`,
    );
  }
  const path = checkpointPath(ctx, variant, index, epoch);
  if (!ctx.mayReuse(path, true)) {
    ctx.progress.note(`${variant.label} model ${index}: retraining to record its checkpoints`);
    ctx.progress.plan(1);
    await zooModel(ctx, variant, index, true);
  }
  return (await loadNetworkJson(path)).network;
}

/** Work units that {@link zooPairs} reports (one per model). */
export function zooUnits(scale: MnistScaleConfig, variants: number): number {
  return variants * scale.pairs * 2;
}

/** The `pairs` model pairs (2p, 2p+1) of a variant, trained or loaded. */
export async function zooPairs(ctx: RunContext, variant: Variant): Promise<[ZooModel, ZooModel][]> {
  const out: [ZooModel, ZooModel][] = [];
  for (let p = 0; p < MNIST[ctx.scale].pairs; p++) {
    out.push([await zooModel(ctx, variant, 2 * p), await zooModel(ctx, variant, 2 * p + 1)]);
  }
  return out;
}
