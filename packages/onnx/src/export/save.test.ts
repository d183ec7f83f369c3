import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeNet, networksIdentical } from '../../test/helpers.js';
import { loadOnnxModel } from '../import/import.js';
import { OnnxExportError } from '../errors.js';
import { exportOnnx } from './export.js';
import { saveOnnxModel } from './save.js';

describe('saveOnnxModel / loadOnnxModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nidkit-save-'));
  const net = makeNet({ family: 'sigma-asym', widths: [5, 4, 3], norm: 'batch' });

  it('writes the export atomically and loads it back identically', async () => {
    const path = join(dir, 'model.onnx');
    await saveOnnxModel(path, net);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(exportOnnx(net)))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const r = await loadOnnxModel(path);
    expect(networksIdentical(r.network, net)).toBeNull();
  });

  it('refuses to overwrite an existing file (or symlink) unless forced', async () => {
    const path = join(dir, 'existing.onnx');
    writeFileSync(path, 'keep me');
    await expect(saveOnnxModel(path, net)).rejects.toThrow(OnnxExportError);
    await expect(saveOnnxModel(path, net)).rejects.toThrow(
      /already exists — expected a new path, or pass force: true/,
    );
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    const link = join(dir, 'link.onnx');
    symlinkSync(path, link);
    await expect(saveOnnxModel(link, net)).rejects.toThrow(/already exists/);
    await saveOnnxModel(link, net, { force: true, opset: 20 });
    // The symlink itself is replaced; its target is untouched.
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    expect((await loadOnnxModel(link)).summary.onnx?.opset).toBe(20);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports an unwritable folder as OnnxExportError', async () => {
    await expect(saveOnnxModel(join(dir, 'missing-folder', 'm.onnx'), net)).rejects.toThrow(
      /saveOnnxModel: cannot write/,
    );
  });

  it('loadOnnxModel reports a missing file as OnnxImportError', async () => {
    await expect(loadOnnxModel(join(dir, 'nope.onnx'))).rejects.toThrow(
      /loadOnnxModel: cannot read/,
    );
  });
});
