// Accuracy check of the "must show" (not a test: it trains two full-size MLPs).
//   node scripts/accuracy.mjs [epochs=10]        (after `pnpm --filter @nidkit/models build`)
// Trains, on the embedded mnist-10k split (7,200 train / 800 val / 2,000 test), the paper's
// standard 784-512-512-512-10 LayerNorm+GELU MLP and the W-MLP with κ = 1 (num_fixed 64/64/64/256),
// AdamW lr 1e-3, wd 0.01, batch 64 (models.md §12), and prints val accuracy per epoch and the
// final test accuracy. Targets: standard ≥ 95 %, W-MLP κ=1 ≥ 93 %.
import { buildMlp, loadMnist10k, paperMlpConfig, trainNetwork } from '../dist/index.js';

const epochs = Number(process.argv[2] ?? 10);
const dataset = loadMnist10k();
const runs = [
  {
    label: 'standard',
    config: paperMlpConfig({ family: 'standard', maskSeed: 0, initSeed: 1, optimizationSeed: 2 }),
    target: 95,
  },
  {
    label: 'w-asym kappa=1',
    config: paperMlpConfig({
      family: 'w-asym',
      kappa: 'kappa1',
      maskSeed: 0,
      initSeed: 1,
      optimizationSeed: 2,
    }),
    target: 93,
  },
];
const results = [];
for (const run of runs) {
  const started = performance.now();
  const r = await trainNetwork(buildMlp(run.config), dataset, {
    epochs,
    onProgress: (e) => {
      if (e.kind === 'epoch')
        process.stderr.write(
          `${run.label} epoch ${e.epoch}/${e.epochs}: train loss ${e.loss.toFixed(4)}, val ${e.val?.accuracy?.toFixed(2)} %\n`,
        );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  results.push({
    model: run.label,
    epochs,
    backend: r.backend,
    valAccuracy: r.history.at(-1)?.val?.accuracy,
    testAccuracy: r.test?.accuracy,
    target: run.target,
    passed: (r.test?.accuracy ?? 0) >= run.target,
    seconds: Math.round(seconds),
  });
}
console.log(JSON.stringify({ dataset: dataset.name, results }, null, 2));
