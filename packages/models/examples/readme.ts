// The README example (run by src/readme.test.ts). Run it yourself with
//   pnpm --filter @nidkit/models build && node --experimental-strip-types examples/readme.ts
import { countParameters, linearLayers } from '@nidkit/core';
import { buildMlp, loadMnist10k, paperMlpConfig, trainNetwork } from '../src/index.js';

export async function main(log: (...args: unknown[]) => void = console.log): Promise<void> {
  const data = loadMnist10k(); // 10,000 real digits: 7,200 train / 800 val / 2,000 test
  const config = paperMlpConfig({
    family: 'w-asym',
    kappa: 'kappa1',
    width: 64,
    maskSeed: 0,
    initSeed: 1,
  });
  const net = buildMlp(config); // 784-64-64-64-10, LayerNorm + GELU, num_fixed 64/8/8/32
  log(countParameters(net));
  const result = await trainNetwork(net, data, { epochs: 2, optimizationSeed: 2 });
  for (const e of result.history) log(`epoch ${e.epoch}: val ${e.val?.accuracy?.toFixed(2)} %`);
  log(`${result.backend}: test ${result.test?.accuracy?.toFixed(2)} %`);
  const [before, after] = [linearLayers(net)[0]!, linearLayers(result.network)[0]!];
  const mask = before.fixed?.kind === 'mask' ? before.fixed.mask.data : new Float32Array();
  log(
    'fixed entries unchanged:',
    mask.every((d, i) => d === 1 || after.weight.data[i] === before.weight.data[i]),
  );
}
