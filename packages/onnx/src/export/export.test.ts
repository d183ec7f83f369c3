import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeNet } from '../../test/helpers.js';
import { exportOnnx } from './export.js';

const hasPythonOnnx =
  spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

describe('exportOnnx', () => {
  it('is deterministic', () => {
    const net = makeNet({ family: 'w-asym', widths: [6, 5, 4, 3] });
    expect(Buffer.from(exportOnnx(net)).equals(Buffer.from(exportOnnx(net)))).toBe(true);
  });

  it('rejects unsupported opsets', () => {
    const net = makeNet({ family: 'standard', widths: [4, 3, 2] });
    expect(() => exportOnnx(net, { opset: 13 })).toThrow(
      /unsupported opset — expected an integer in 14–21, got 13/,
    );
  });

  it.skipIf(!hasPythonOnnx)(
    'passes onnx.checker (full_check) for every family and norm at opset 14 and 17',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'nidkit-onnx-check-'));
      const files: string[] = [];
      for (const family of ['standard', 'w-asym', 'sigma-asym', 'syre'] as const) {
        for (const norm of ['layer', 'batch', 'none'] as const) {
          for (const opset of [14, 17]) {
            const act =
              norm === 'batch'
                ? 'relu'
                : norm === 'none'
                  ? 'identity'
                  : opset === 14
                    ? 'gelu_tanh'
                    : 'gelu';
            const net = makeNet({
              family,
              widths: [6, 5, 4, 3],
              norm,
              act,
              inputShape: [1, 2, 3],
              inputNorm: { mean: 0.5, std: 2 },
            });
            for (const fold of [false, true]) {
              const f = join(dir, `${family}-${norm}-${opset}-${fold}.onnx`);
              writeFileSync(f, exportOnnx(net, { opset, fold }));
              files.push(f);
            }
          }
        }
      }
      const script =
        'import sys, onnx\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok", len(sys.argv) - 1)';
      const out = execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
      expect(out.trim()).toBe(`ok ${files.length}`);
    },
  );
});
