import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceEvaluator } from '@nidkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EXPERIMENTS,
  REPRODUCE_SCHEMA_VERSION,
  reproduceResultSchema,
  runExperiment,
} from './index.js';
import type { ExperimentResult } from './types.js';

/**
 * A strict enough XML well-formedness check for SVG files (every tag closed in order, one `<svg>`
 * root, attributes quoted), so a test fails on a truncated or broken plot.
 */
function checkSvg(text: string): { elements: number; ariaLabels: string[] } {
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/<!--[\s\S]*?-->/g, '');
  if (!body.startsWith('<svg'))
    throw new Error(`checkSvg: the root is not <svg> — got ${body.slice(0, 40)}`);
  const stack: string[] = [];
  let elements = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (between.includes('<'))
      throw new Error(
        `checkSvg: malformed markup near "${between.slice(between.indexOf('<'), between.indexOf('<') + 40)}"`,
      );
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`checkSvg: </${name}> closes <${open ?? 'nothing'}>`);
    } else {
      elements++;
      if (!selfClose) stack.push(name!);
    }
  }
  if (stack.length > 0) throw new Error(`checkSvg: unclosed <${stack.join('>, <')}>`);
  if (body.slice(last).trim() !== '') throw new Error('checkSvg: content after the root element');
  return { elements, ariaLabels: [...body.matchAll(/aria-label="([^"]*)"/g)].map((x) => x[1]!) };
}

type Schema = Record<string, unknown>;

/** A small draft-07 subset validator (type, const, enum, properties, required, items, allOf with if/then). */
function validate(value: unknown, schema: Schema, path = '$'): string[] {
  const errors: string[] = [];
  const types =
    schema['type'] === undefined
      ? null
      : ([] as string[]).concat(schema['type'] as string | string[]);
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  if (
    types &&
    !types.some((t) => t === typeOf(value) || (t === 'number' && typeOf(value) === 'integer'))
  )
    errors.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`);
  if ('const' in schema && value !== schema['const'])
    errors.push(`${path}: expected ${String(schema['const'])}`);
  if (schema['enum'] && !(schema['enum'] as unknown[]).includes(value))
    errors.push(`${path}: not in enum`);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const r of (schema['required'] as string[] | undefined) ?? [])
      if (!(r in o)) errors.push(`${path}: missing ${r}`);
    for (const [k, s] of Object.entries(
      (schema['properties'] as Record<string, Schema> | undefined) ?? {},
    ))
      if (k in o) errors.push(...validate(o[k], s, `${path}.${k}`));
  }
  if (Array.isArray(value) && schema['items'])
    value.forEach((v, i) =>
      errors.push(...validate(v, schema['items'] as Schema, `${path}[${i}]`)),
    );
  for (const sub of (schema['allOf'] as { if: Schema; then: Schema }[] | undefined) ?? []) {
    if (validate(value, sub.if, path).length === 0) errors.push(...validate(value, sub.then, path));
  }
  return errors;
}

const out = mkdtempSync(join(tmpdir(), 'nidkit-reproduce-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const evaluator = new ReferenceEvaluator();

/** Runs an experiment at tiny scale and checks the files every experiment must write. */
async function runTiny(name: string): Promise<{
  result: ExperimentResult;
  json: Record<string, unknown>;
  progress: [string, number | undefined][];
}> {
  const progress: [string, number | undefined][] = [];
  const result = await runExperiment(name, {
    scale: 'tiny',
    outDir: out,
    evaluator,
    onProgress: (m, f) => progress.push([m, f]),
  });
  const dir = join(out, name);
  const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(validate(json, reproduceResultSchema(REPRODUCE_SCHEMA_VERSION))).toEqual([]);
  expect(json['schemaVersion']).toBe(REPRODUCE_SCHEMA_VERSION);
  expect(json['experiment']).toBe(name);
  expect(json['scale']).toBe('tiny');
  expect(json['seed']).toBe(0);
  expect(json['evaluator']).toBe('reference');
  expect(typeof json['durationSeconds']).toBe('number');
  expect(json['config']).toBeTypeOf('object');
  const checks = json['checks'] as { id: string; holds: boolean | null; observed: string }[];
  expect(checks.length).toBeGreaterThan(0);
  for (const c of checks) {
    expect([true, false, null]).toContain(c.holds);
    expect(c.observed.length).toBeGreaterThan(0);
  }
  const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
  expect(svgs.length).toBeGreaterThan(0);
  for (const f of svgs) {
    const { elements, ariaLabels } = checkSvg(readFileSync(join(dir, f), 'utf8'));
    expect(elements).toBeGreaterThan(10);
    expect(ariaLabels.length).toBeGreaterThan(0);
  }
  const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
  expect(summary).toBe(result.summaryMarkdown);
  for (const c of checks) expect(summary).toContain(`**${c.id}**`);
  for (const f of svgs) expect(summary).toContain(`(${f})`);
  expect(result.files.sort()).toEqual(
    [...svgs, 'summary.md', 'result.json'].map((f) => join(dir, f)).sort(),
  );
  expect(result.json).toEqual(json);
  // progress: messages with fractions rising to 1
  const fractions = progress.map(([, f]) => f).filter((f): f is number => f !== undefined);
  expect(fractions.length).toBeGreaterThan(0);
  expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!))).toBe(
    true,
  );
  expect(fractions[fractions.length - 1]).toBe(1);
  return { result, json, progress };
}

describe('nidkit reproduce at tiny scale (end to end)', { timeout: 60_000 }, () => {
  it('lists five experiments with names, titles and descriptions', () => {
    expect(EXPERIMENTS.map((e) => e.name)).toEqual([
      'lmc-families',
      'kappa-sweep',
      'swap-costs',
      'coherence',
      'realization-costs',
    ]);
    for (const e of EXPERIMENTS) {
      expect(e.title.length).toBeGreaterThan(10);
      expect(e.description.length).toBeGreaterThan(40);
    }
  });

  it('lmc-families writes pair curves and every barrier for five families', async () => {
    const { json } = await runTiny('lmc-families');
    const families = json['families'] as {
      id: string;
      pairs: unknown[];
      unaligned: { lambdas: number[]; barriers: Record<string, unknown> };
      aligned: unknown;
    }[];
    expect(families.map((f) => f.id)).toEqual([
      'standard',
      'w-kappa0',
      'w-kappa1',
      'syre-kappa1',
      'sigma',
    ]);
    for (const f of families) {
      expect(f.pairs).toHaveLength(1);
      expect(f.unaligned.lambdas).toEqual([0, 0.5, 1]);
      expect(Object.keys(f.unaligned.barriers).sort()).toEqual(
        [
          'accuracyBarrierPp',
          'accuracyDropPp',
          'lossBarrier',
          'midpointAccuracyBarrierPp',
          'midpointLossBarrier',
          'relativeAccuracyDropPct',
        ].sort(),
      );
      expect(f.aligned).toBeTypeOf('object');
    }
    // the trained models are cached for the other MNIST experiments
    const files = readdirSync(join(out, 'models'));
    expect(files.filter((f) => f.endsWith('.json') && !f.includes('-epoch'))).toHaveLength(10);
    // the standard MLPs also keep their checkpoints (epochs 0 and 1 at tiny scale) for R6
    expect(files.filter((f) => /^mnist-tiny-standard-.*-epoch[01]\.json$/.test(f))).toHaveLength(4);
  });

  it('kappa-sweep reports identity, optimal and random objectives per κ', async () => {
    const { json } = await runTiny('kappa-sweep');
    const rows = json['rows'] as {
      kappa: number | null;
      aggregate: { identity: { mean: number }; optimal: { mean: number } };
    }[];
    expect(rows.map((r) => r.kappa)).toEqual([0, 1, null]);
    for (const r of rows)
      expect(r.aggregate.optimal.mean).toBeGreaterThanOrEqual(r.aggregate.identity.mean - 1e-12);
    const overTraining = json['standardOverTraining'] as {
      epoch: number;
      aggregate: { identity: { mean: number } };
    }[];
    expect(overTraining.map((r) => r.epoch)).toEqual([0, 1]);
    // the last checkpoint is the trained model: the same objective as the sweep's standard row
    expect(overTraining[1]!.aggregate.identity.mean).toBeCloseTo(
      rows[2]!.aggregate.identity.mean,
      12,
    );
  });

  it('swap-costs writes one heatmap and quantiles per (κ, k)', async () => {
    const { json } = await runTiny('swap-costs');
    const cells = json['cells'] as {
      kappa: number;
      intrinsicK: number;
      layer: { T: number[][] };
      signedRoot: { median: number };
    }[];
    expect(cells.map((c) => [c.kappa, c.intrinsicK])).toEqual([
      [0, 2],
      [1, 2],
      [0, 8],
      [1, 8],
    ]);
    for (const c of cells) {
      expect(c.layer.T).toHaveLength(16);
      c.layer.T.forEach((row, i) => expect(row[i]).toBe(0));
    }
    expect(existsSync(join(out, 'swap-costs', 'swap-kappa1-k8.svg'))).toBe(true);
    // the ridge estimate (tiny: 3 neurons) per β, with its heatmap at β = 0.01
    const ridged = json['cells'] as { ridge: { beta: number; T: number[][] }[] | null }[];
    for (const c of ridged) {
      expect(c.ridge!.map((g) => g.beta)).toEqual([0.001, 0.01, 0.1, 1]);
      for (const g of c.ridge!) g.T.forEach((row, i) => expect(row[i]).toBe(0));
    }
    expect(existsSync(join(out, 'swap-costs', 'swap-ridge-kappa1-k8.svg'))).toBe(true);
  });

  it('coherence writes mean ± std midpoint barriers per family and m', async () => {
    const { json } = await runTiny('coherence');
    const fams = json['families'] as {
      family: string;
      aggregate: {
        activeCopies: number;
        coherence: number;
        midpointBarrier: { mean: number; n: number };
      }[];
    }[];
    expect(fams.map((f) => f.family)).toEqual(['exact_copy', 'random_tight_frame']);
    for (const f of fams) {
      expect(f.aggregate.map((p) => p.activeCopies)).toEqual([1, 10]);
      expect(f.aggregate.map((p) => p.coherence)).toEqual([1, 0.1]);
      for (const p of f.aggregate) expect(Number.isFinite(p.midpointBarrier.mean)).toBe(true);
    }
  });

  it('realization-costs reuses the lmc-families models and summarizes every layer', async () => {
    const { progress, json } = await runTiny('realization-costs');
    expect(progress.some(([m]) => m.includes('loaded from'))).toBe(true);
    const models = json['models'] as { variant: string; mahalanobis: { layer: string }[] }[];
    expect(models).toHaveLength(5);
    for (const m of models)
      expect(m.mahalanobis.map((l) => l.layer)).toEqual(['lins.1', 'lins.2', 'lins.3']);
  });

  it('refuses an existing result without resume or force; resume reuses cached work units, force recomputes them', async () => {
    await expect(
      runExperiment('swap-costs', { scale: 'tiny', outDir: out, evaluator }),
    ).rejects.toThrow(/already exists — expected an empty output folder, --resume or --force/);
    // plant a marker in one cached work unit: resume must take it as is, force must recompute it
    const workDirs = readdirSync(join(out, 'swap-costs', 'work'));
    expect(workDirs).toHaveLength(1);
    expect(workDirs[0]).toMatch(/^tiny-seed0-[0-9a-f]{10}$/);
    const unit = join(out, 'swap-costs', 'work', workDirs[0]!, 'kappa1-k8.json');
    const cached = JSON.parse(readFileSync(unit, 'utf8')) as { coherence: number };
    writeFileSync(unit, JSON.stringify({ ...cached, coherence: 0.123456 }));
    const resumed = await runExperiment('swap-costs', {
      scale: 'tiny',
      outDir: out,
      evaluator,
      resume: true,
    });
    const cell = (r: ExperimentResult) =>
      (
        r.json['cells'] as { kappa: number; intrinsicK: number; layer: { coherence: number } }[]
      ).find((c) => c.kappa === 1 && c.intrinsicK === 8)!;
    expect(cell(resumed).layer.coherence).toBe(0.123456);
    const forced = await runExperiment('swap-costs', {
      scale: 'tiny',
      outDir: out,
      evaluator,
      force: true,
    });
    expect(cell(forced).layer.coherence).toBe(cached.coherence);
  });

  it('the result schema rejects a result without its experiment data', () => {
    const schema = reproduceResultSchema(REPRODUCE_SCHEMA_VERSION);
    const base = {
      schemaVersion: REPRODUCE_SCHEMA_VERSION,
      experiment: 'coherence',
      title: 't',
      scale: 'tiny',
      seed: 0,
      createdAt: 'x',
      evaluator: 'reference',
      durationSeconds: 1,
      config: {},
      checks: [],
    };
    expect(validate(base, schema)).toEqual(['$: missing families', '$: missing frameAngles']);
    expect(
      validate(
        { ...base, schemaVersion: 'nidkit-reproduce/0', families: [], frameAngles: [] },
        schema,
      ),
    ).toEqual(['$.schemaVersion: expected nidkit-reproduce/1']);
  });

  it('rejects an unknown experiment or scale with a clear message', async () => {
    await expect(runExperiment('nope', { outDir: out, evaluator })).rejects.toThrow(
      /unknown experiment — expected one of lmc-families/,
    );
    const huge = 'huge' as unknown as 'small'; // a wrong scale from an untyped caller
    await expect(
      runExperiment('coherence', { scale: huge, outDir: out, evaluator }),
    ).rejects.toThrow(/unknown scale/);
  });
});
