import { mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputFileError } from '../errors.js';
import { jsonReplacer, toJson, writeFileAtomic } from './output.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nidkit-output-'));
}

describe('writeFileAtomic', () => {
  it('writes through a temporary file and leaves nothing else behind', async () => {
    const dir = await tmp();
    await writeFileAtomic(join(dir, 'sub', 'a.json'), '{"x":1}\n');
    expect(await readFile(join(dir, 'sub', 'a.json'), 'utf8')).toBe('{"x":1}\n');
    expect(await readdir(join(dir, 'sub'))).toEqual(['a.json']);
  });

  it('refuses an existing file without force and replaces it with force', async () => {
    const dir = await tmp();
    const p = join(dir, 'a.txt');
    await writeFile(p, 'old');
    await expect(writeFileAtomic(p, 'new')).rejects.toThrow(/exists already — pass --force/);
    expect(await readFile(p, 'utf8')).toBe('old');
    await writeFileAtomic(p, 'new', { force: true });
    expect(await readFile(p, 'utf8')).toBe('new');
  });

  it('never overwrites an input, even with force or through a symlink', async () => {
    const dir = await tmp();
    const input = join(dir, 'model.onnx');
    await writeFile(input, 'weights');
    await symlink(input, join(dir, 'link.onnx'));
    for (const target of [input, join(dir, '.', 'model.onnx'), join(dir, 'link.onnx')]) {
      const err = await writeFileAtomic(target, 'x', { force: true, inputs: [input] }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OutputFileError);
      expect((err as OutputFileError).code).toBe('OUTPUT_IS_INPUT');
    }
    expect(await readFile(input, 'utf8')).toBe('weights');
  });

  it('JSON: typed arrays become arrays, non-finite numbers null', () => {
    expect(
      JSON.parse(toJson({ a: new Int32Array([1, 2]), b: Number.NaN, c: new Float64Array([0.5]) })),
    ).toEqual({
      a: [1, 2],
      b: null,
      c: [0.5],
    });
    expect(jsonReplacer('k', Number.POSITIVE_INFINITY)).toBeNull();
  });
});
