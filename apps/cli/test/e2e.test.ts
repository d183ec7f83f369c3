/**
 * End-to-end tests of the built `nidkit` binary (`node bin/nidkit.js …`, built by `pnpm test`)
 * on tiny fixtures the tests write themselves: untrained 784-16-16-10 networks exported with
 * `@nidkit/onnx`, the first few hundred embedded MNIST digits (`--limit`), a committed ONNX file
 * with an unsupported op, and a text file posing as ONNX.
 */
import { copyFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildMlp } from '@nidkit/models';
import { exportOnnx } from '@nidkit/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROOT, ariaLabels, nidkit, put, schemaErrors, tempDir } from './helpers.js';

let dir = '';
const DATA = ['--data', 'mnist', '--limit', '200'];
/** A small synthetic set (32 features) for the subspace analyses, whose cost grows with d. */
const GMM = ['--data', 'gmm:d=32,k=6,n=400,ntest=100,classes=10'];

beforeAll(async () => {
  dir = await tempDir();
  const base = {
    widths: [784, 16, 16, 10],
    inputShape: [1, 28, 28],
    norm: 'layer' as const,
    activation: 'gelu' as const,
  };
  await put(dir, 'std-a.onnx', exportOnnx(buildMlp({ ...base, family: 'standard', initSeed: 1 })));
  await put(dir, 'std-b.onnx', exportOnnx(buildMlp({ ...base, family: 'standard', initSeed: 2 })));
  const w = { ...base, family: 'w-asym' as const, kappa: 1, numFixed: [64, 2, 8], maskSeed: 0 };
  await put(dir, 'w-a.onnx', exportOnnx(buildMlp({ ...w, initSeed: 1 })));
  await put(dir, 'w-b.onnx', exportOnnx(buildMlp({ ...w, initSeed: 2 })));
  await put(
    dir,
    'wide.onnx',
    exportOnnx(buildMlp({ ...base, widths: [784, 24, 10], family: 'standard', initSeed: 3 })),
  );
  // a ReLU network whose hidden units 2 and 7 of layer 0 are dead (zero weights, bias −1)
  const relu = { ...base, norm: 'none' as const, activation: 'relu' as const };
  const dead = buildMlp({ ...relu, family: 'standard', initSeed: 4 });
  const lin0 = dead.layers.find((l) => l.type === 'linear' && l.index === 0);
  if (lin0?.type !== 'linear') throw new Error('no first linear layer');
  for (const unit of [2, 7]) {
    lin0.weight.data.fill(0, unit * 784, (unit + 1) * 784);
    lin0.bias!.data[unit] = -1;
  }
  await put(dir, 'dead-a.onnx', exportOnnx(dead));
  await put(dir, 'relu-b.onnx', exportOnnx(buildMlp({ ...relu, family: 'standard', initSeed: 5 })));
  const g = { widths: [32, 16, 16, 10], norm: 'layer' as const, activation: 'gelu' as const };
  await put(dir, 'g-std-a.onnx', exportOnnx(buildMlp({ ...g, family: 'standard', initSeed: 1 })));
  await put(dir, 'g-std-b.onnx', exportOnnx(buildMlp({ ...g, family: 'standard', initSeed: 2 })));
  await put(
    dir,
    'g-w-a.onnx',
    exportOnnx(
      buildMlp({ ...g, family: 'w-asym', kappa: 1, numFixed: [4, 2, 8], maskSeed: 0, initSeed: 1 }),
    ),
  );
  await put(dir, 'notes.onnx', 'this is not an ONNX model\n');
  await copyFile(
    join(CLI_ROOT, 'test', 'fixtures', 'unsupported-op.onnx'),
    join(dir, 'unsupported-op.onnx'),
  );
});

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('help and usage', () => {
  it('--help lists every command and loads neither onnxruntime nor tfjs', async () => {
    const { spawnSync } = await import('node:child_process');
    const traced = spawnSync(
      process.execPath,
      ['--import', './test/trace-imports.mjs', 'bin/nidkit.js', '--help'],
      {
        cwd: CLI_ROOT,
        encoding: 'utf8',
      },
    );
    expect(traced.status).toBe(0);
    for (const c of [
      'inspect',
      'train',
      'match',
      'lmc',
      'costs',
      'identify',
      'merge',
      'demo',
      'reproduce',
    ]) {
      expect(traced.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    }
    const imports = traced.stderr.split('\n').filter((l) => l.startsWith('[import]'));
    expect(imports.length).toBeGreaterThan(3);
    expect(imports.filter((l) => /onnxruntime|tfjs|@tensorflow|vega/.test(l))).toEqual([]);
    expect(imports.filter((l) => /commands\//.test(l))).toEqual([]);
  });

  it('every command has --help with examples', async () => {
    for (const c of [
      'inspect',
      'train',
      'match',
      'lmc',
      'costs',
      'identify',
      'merge',
      'demo',
      'reproduce',
    ]) {
      const r = await nidkit([c, '--help'], dir);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain('Examples:');
      expect(r.stdout, c).toContain(`$ nidkit ${c}`);
    }
  });

  it('schema prints the JSON Schema of a command', async () => {
    const r = await nidkit(['schema', 'lmc'], dir);
    expect(r.code).toBe(0);
    const s = json(r.stdout);
    expect(s.$id).toMatch(/lmc\.v1\.json$/);
    expect((await nidkit(['schema', 'nope'], dir)).code).toBe(2);
  });

  it("an unknown flag exits 2 with the command's usage line, not its whole help", async () => {
    const r = await nidkit(['lmc', 'a.onnx', 'b.onnx', '--data', 'mnist', '--bogus'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).toContain('Usage: nidkit lmc [options] <a> <b>');
    expect(r.stderr).toContain("run 'nidkit lmc --help'");
    expect(r.stderr).not.toContain('Options:');
    expect(r.stdout).toBe('');
  });

  it('a bad option value and a missing argument exit 2', async () => {
    const bad = await nidkit(
      ['lmc', 'a.onnx', 'b.onnx', '--data', 'mnist', '--points', 'many'],
      dir,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--points <n>' argument 'many' is invalid/);
    const missing = await nidkit(['match', 'a.onnx', '--data', 'mnist'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'b'");
    const none = await nidkit([], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: nidkit');
  });
});

describe('errors', () => {
  it('a missing file: one line, exit 1, no stack', async () => {
    const r = await nidkit(['inspect', 'nope.onnx'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.onnx');
    expect(r.stderr).toMatch(/no such file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a file that is not ONNX: one line, exit 1', async () => {
    const r = await nidkit(['inspect', 'notes.onnx'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('notes.onnx');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unsupported op names the node and op type, exit 1', async () => {
    const r = await nidkit(['inspect', 'unsupported-op.onnx'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Sin');
    expect(r.stderr).toContain('/act/Sin');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('two incompatible models: one line naming the difference, exit 1', async () => {
    const r = await nidkit(
      ['lmc', 'std-a.onnx', 'wide.onnx', ...DATA, '--align', 'none', '--points', '3'],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/incompatible/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('an output that would overwrite an input is refused, even with --force', async () => {
    const before = await readFile(join(dir, 'std-b.onnx'));
    const r = await nidkit(
      ['match', 'std-a.onnx', 'std-b.onnx', ...DATA, '--aligned', 'std-b.onnx', '--force'],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to overwrite an input/);
    expect(await readFile(join(dir, 'std-b.onnx'))).toEqual(before);
    const m = await nidkit(
      ['merge', 'std-a.onnx', 'std-b.onnx', '--out', './std-a.onnx', '--force'],
      dir,
    );
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/refusing to overwrite an input/);
  });

  it('an existing output is refused without --force and replaced with it', async () => {
    await writeFile(join(dir, 'taken.onnx'), 'old');
    const r = await nidkit(['merge', 'std-a.onnx', 'std-b.onnx', '--out', 'taken.onnx'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exists already — pass --force/);
    expect(await readFile(join(dir, 'taken.onnx'), 'utf8')).toBe('old');
    const f = await nidkit(
      ['merge', 'std-a.onnx', 'std-b.onnx', '--out', 'taken.onnx', '--force'],
      dir,
    );
    expect(f.code).toBe(0);
    expect((await stat(join(dir, 'taken.onnx'))).size).toBeGreaterThan(1000);
  });
});

describe.concurrent('commands', () => {
  it('inspect: table and --json', async () => {
    const t = await nidkit(['inspect', 'w-a.onnx'], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('W-asymmetric');
    expect(t.stdout).toContain('lins.0');
    expect(t.stdout).toMatch(/784-16-16-10/);
    const j = await nidkit(['inspect', 'w-a.onnx', '--json'], dir);
    expect(j.code).toBe(0);
    const r = json(j.stdout);
    expect(schemaErrors('inspect', r)).toEqual([]);
    expect(r.family).toBe('w-asym');
    expect(r.widths).toEqual([784, 16, 16, 10]);
  });

  it('lmc: JSON, report folder and SVG curves with every point', async () => {
    const r = await nidkit(
      [
        'lmc',
        'std-a.onnx',
        'std-b.onnx',
        ...DATA,
        '--points',
        '5',
        '--out',
        'lmc-report',
        '--json',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('lmc', res)).toEqual([]);
    const curves = res.curves as {
      alignment: string;
      lambdas: number[];
      accuracy: number[];
      loss: number[];
    }[];
    expect(curves.map((c) => c.alignment)).toEqual(['none', 'activation']);
    expect(curves[0]!.lambdas).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const files = await readdir(join(dir, 'lmc-report'));
    expect(files.sort()).toEqual(['index.html', 'lmc-accuracy.svg', 'lmc-loss.svg', 'result.json']);
    expect(json(await readFile(join(dir, 'lmc-report', 'result.json'), 'utf8'))).toEqual(res);
    const svg = await readFile(join(dir, 'lmc-report', 'lmc-loss.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[\s\S]*<\/svg>\s*$/);
    const labels = ariaLabels(svg);
    for (const c of curves) {
      const name = c.alignment === 'none' ? 'unaligned' : `aligned (${c.alignment})`;
      c.lambdas.forEach((x, i) =>
        expect(labels).toContain(`${name}: λ = ${x}, loss = ${c.loss[i]}`),
      );
    }
    const html = await readFile(join(dir, 'lmc-report', 'index.html'), 'utf8');
    expect(html).toContain('href="lmc-accuracy.svg"');
    expect(html).toContain('href="result.json"');
  });

  it('lmc: the human table names every barrier', async () => {
    const r = await nidkit(
      ['lmc', 'w-a.onnx', 'w-b.onnx', ...DATA, '--points', '3', '--align', 'weights'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('loss barrier');
    expect(r.stdout).toContain('unaligned');
    expect(r.stdout).toContain('aligned (weights)');
  });

  it('match: per-layer objectives, aligned ONNX that imports back', async () => {
    const r = await nidkit(
      ['match', 'std-a.onnx', 'std-b.onnx', ...DATA, '--aligned', 'b-aligned.onnx', '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('match', res)).toEqual([]);
    const layers = res.layers as { permutation: number[]; optimal: number; identity: number }[];
    expect(layers).toHaveLength(2);
    for (const l of layers) {
      expect([...l.permutation].sort((x, y) => x - y)).toEqual(
        Array.from({ length: 16 }, (_, i) => i),
      );
      expect(l.optimal).toBeGreaterThanOrEqual(l.identity - 1e-12);
    }
    const back = await nidkit(['inspect', 'b-aligned.onnx', '--json'], dir);
    expect(back.code).toBe(0);
    expect(json(back.stdout).widths).toEqual([784, 16, 16, 10]);
  });

  it('match: dead (constant) units are reported, in JSON and in the summary, on both evaluators', async () => {
    for (const evaluator of ['onnx', 'reference']) {
      const args = ['match', 'dead-a.onnx', 'relu-b.onnx', ...DATA, '--evaluator', evaluator];
      const r = await nidkit([...args, '--json'], dir);
      expect(r.code).toBe(0);
      const res = json(r.stdout);
      expect(schemaErrors('match', res)).toEqual([]);
      const layers = res.layers as { constantA: number[]; constantB: number[] }[];
      expect(layers[0]!.constantA).toEqual([2, 7]);
      expect(layers[1]!.constantA).toEqual([]);
      const text = await nidkit(args, dir);
      expect(text.stdout).toMatch(/constant units on these samples .*hidden 0: 2 of A, 0 of B/);
    }
  });

  it('costs: per-layer subspace and swap costs, heatmaps in the report', async () => {
    const r = await nidkit(
      ['costs', 'g-w-a.onnx', ...GMM, '--layer', '0', '--out', 'costs', '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('costs', res)).toEqual([]);
    const layer = (res.layers as { k: number; d: number; T: number[][]; coherence: number }[])[0]!;
    expect(layer.d).toBe(32);
    expect(layer.T).toHaveLength(16);
    expect(layer.coherence).toBeGreaterThanOrEqual(layer.k / layer.d - 1e-12);
    const files = await readdir(join(dir, 'costs'));
    expect(files).toEqual(
      expect.arrayContaining([
        'swap-costs-lins.0.svg',
        'realization-costs-lins.0.svg',
        'subspace-spectrum.svg',
      ]),
    );
    const heat = await readFile(join(dir, 'costs', 'swap-costs-lins.0.svg'), 'utf8');
    expect(ariaLabels(heat).filter((l) => l.startsWith('row '))).toHaveLength(16 * 16);
    const ridge = await nidkit(
      [
        'costs',
        'g-w-a.onnx',
        ...GMM,
        '--estimator',
        'ridge',
        '--neurons',
        '3',
        '--iterations',
        '40',
        '--layer',
        '0',
        '--json',
      ],
      dir,
    );
    expect(ridge.code).toBe(0);
    const rr = json(ridge.stdout);
    expect(schemaErrors('costs', rr)).toEqual([]);
    const T = (rr.layers as { T: number[][] }[])[0]!.T;
    expect(T).toHaveLength(3);
    T.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(T[j]![i]!, 9)));
  });

  it('identify: the verdict first, then the evidence', async () => {
    const r = await nidkit(['identify', 'g-std-a.onnx', 'g-std-b.onnx', ...GMM], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^(YES|NO) — /);
    expect(r.stdout).toContain('identity');
    const j = await nidkit(
      ['identify', 'g-std-a.onnx', 'g-std-b.onnx', ...GMM, '--json', '--out', 'identify'],
      dir,
    );
    const res = json(j.stdout);
    expect(schemaErrors('identify', res)).toEqual([]);
    expect(typeof res.mergeableWithoutAlignment).toBe('boolean');
    expect(await readdir(join(dir, 'identify'))).toEqual(
      expect.arrayContaining(['matching-objective.svg', 'swap-costs-lins.0.svg']),
    );
    const only = await nidkit(
      ['identify', 'g-std-a.onnx', 'g-std-b.onnx', ...GMM, '--out', 'identify.json'],
      dir,
    );
    expect(only.code).toBe(0);
    expect(only.stdout.split('\n')[0]).toMatch(/^(YES|NO) — /);
    const written = json(await readFile(join(dir, 'identify.json'), 'utf8'));
    expect(schemaErrors('identify', written)).toEqual([]);
    expect(written.verdict).toBe(res.verdict);
  });

  it('merge: writes a model that imports back; --json validates', async () => {
    const r = await nidkit(
      ['merge', 'w-a.onnx', 'w-b.onnx', '--weights', '1,3', '--out', 'merged.onnx', '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('merge', res)).toEqual([]);
    expect(res.weights).toEqual([0.25, 0.75]);
    const back = await nidkit(['inspect', 'merged.onnx', '--json'], dir);
    expect(json(back.stdout).family).toBe('w-asym');
  });

  it('train: ONNX checkpoints, a training log and a report', async () => {
    const r = await nidkit(
      [
        'train',
        '--family',
        'w',
        '--kappa',
        '1',
        '--width',
        '8',
        '--depth',
        '1',
        '--seeds',
        '1,2',
        '--epochs',
        '1',
        '--save-every',
        '1',
        '--limit',
        '256',
        '--out',
        'trained',
        '--json',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('train', res)).toEqual([]);
    const files = await readdir(join(dir, 'trained'));
    expect(files).toEqual(
      expect.arrayContaining([
        'model-seed1.onnx',
        'model-seed2.onnx',
        'model-seed1-epoch0.onnx',
        'train-log.json',
        'index.html',
        'result.json',
      ]),
    );
    const back = await nidkit(['inspect', join('trained', 'model-seed1.onnx'), '--json'], dir);
    expect(json(back.stdout).widths).toEqual([784, 8, 10]);
  });

  it('reproduce: --list and one tiny experiment into a folder', async () => {
    const list = await nidkit(['reproduce', '--list', '--json'], dir);
    expect(list.code).toBe(0);
    const l = json(list.stdout);
    expect(schemaErrors('reproduce', l)).toEqual([]);
    expect((l.experiments as { name: string }[]).map((e) => e.name)).toContain('swap-costs');
    const r = await nidkit(
      ['reproduce', 'swap-costs', '--scale', 'tiny', '--out', 'repro', '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('reproduce', res)).toEqual([]);
    expect(await readdir(join(dir, 'repro', 'swap-costs'))).toEqual(
      expect.arrayContaining(['result.json', 'summary.md']),
    );
    const unknown = await nidkit(['reproduce', 'nonsense'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown experiment "nonsense"');
  });

  it('demo at the tiny scale prints the headline table and writes the report', async () => {
    const r = await nidkit(['demo', '--scale', 'tiny', '--out', 'demo', '--json'], dir, 120_000);
    expect(r.code).toBe(0);
    const res = json(r.stdout);
    expect(schemaErrors('demo', res)).toEqual([]);
    const files = await readdir(join(dir, 'demo'));
    expect(files).toEqual(
      expect.arrayContaining([
        'index.html',
        'result.json',
        'lmc-accuracy.svg',
        'matching-objective.svg',
        'swap-costs-standard.svg',
        'w-mlp-a.onnx',
      ]),
    );
    const again = await nidkit(['demo', '--scale', 'tiny', '--out', 'demo'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
  });
});
