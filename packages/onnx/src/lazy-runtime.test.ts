import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const ortLoaded = (): boolean =>
  Object.keys(require.cache).some((k) => k.includes('onnxruntime-node'));

describe('lazy onnxruntime', () => {
  it('importing the package, parsing and exporting never load onnxruntime-node; createOnnxEvaluator does', async () => {
    const pkg = await import('./index.js');
    const { makeNet } = await import('../test/helpers.js');
    const net = makeNet({ family: 'standard', widths: [3, 2, 2] });
    pkg.importOnnx(pkg.exportOnnx(net));
    pkg.inspectNetwork(net);
    expect(ortLoaded()).toBe(false);
    const ev = await pkg.createOnnxEvaluator();
    expect(ortLoaded()).toBe(true);
    await ev.dispose();
  });
});
