/**
 * nidkit's plots: small vega-lite specifications compiled by vega-lite and rendered to an SVG
 * string by vega in Node — no browser, no canvas. Every mark carries an `aria-label` with its
 * values, so an SVG can be checked (and read by a screen reader) without rendering it.
 */
import { InvalidArgumentError } from '@nidkit/core';
import type { TopLevelSpec } from 'vega-lite';

/** One point of a line series; `yErr` draws a ± band (e.g. a standard deviation over pairs). */
export interface LinePoint {
  readonly x: number;
  readonly y: number;
  readonly yErr?: number;
}

/** A named series of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  /** Draw the line dashed (e.g. the aligned path next to the unaligned one). */
  readonly dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Draw the x axis from high to low (e.g. coherence ν from 1 down to 0.1). */
  readonly xReversed?: boolean;
  /** Fix the y axis range `[min, max]` instead of fitting it to the data. */
  readonly yDomain?: readonly [number, number];
  /** Use a logarithmic y axis (e.g. a spectrum of eigenvalues). */
  readonly yLog?: boolean;
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  readonly title: string;
  /** Row-major matrix; `matrix[i][j]` is drawn at row i (y) and column j (x). */
  readonly matrix: readonly (readonly number[])[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** Title of the colour legend, e.g. `signed √T`. */
  readonly colorLabel: string;
  /** Use a diverging colour scale centred on 0 (for signed quantities such as swap costs). */
  readonly diverging?: boolean;
  /**
   * Colour scale domain `[min, max]` (default: the data's range, symmetric about 0 when
   * diverging). Pass the same domain to heatmaps that a reader compares side by side.
   */
  readonly domain?: readonly [number, number];
}

/** One bar of a bar chart; bars with the same `group` are drawn side by side under one label. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Half-length of an error bar (± error). */
  readonly error?: number;
  readonly group?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  readonly title: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  /** Label of the x axis (default: none). */
  readonly xLabel?: string;
}

const WIDTH = 480;
const HEIGHT = 300;

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 14, anchor: 'start' as const, offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: null },
};

function checkFinite(where: string, what: string, v: number): void {
  if (!Number.isFinite(v)) {
    throw new InvalidArgumentError(
      `${where}: ${what} must be a finite number — expected finite, got ${v}`,
    );
  }
}

/**
 * Renders a vega-lite specification to an SVG string (vega's headless SVG renderer).
 * @param spec - a complete vega-lite top-level specification with inline data
 * @returns the SVG document as a string
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    view.finalize();
  }
}

/**
 * A line chart of one or more series (e.g. an LMC curve: accuracy or loss over λ, unaligned vs
 * aligned). Points are marked; `yErr` draws a shaded ± band.
 * @param options - title, axis labels and series
 * @returns the SVG document
 * @throws InvalidArgumentError on an empty chart or a non-finite coordinate
 */
export async function lineChart(options: LineChartOptions): Promise<string> {
  const where = 'lineChart';
  if (options.series.length === 0 || options.series.every((s) => s.points.length === 0)) {
    throw new InvalidArgumentError(
      `${where}: nothing to draw — expected at least one point, got 0`,
    );
  }
  const values: { series: string; x: number; y: number; lo?: number; hi?: number }[] = [];
  let hasErr = false;
  for (const s of options.series) {
    for (const p of s.points) {
      checkFinite(where, `"${s.name}" x`, p.x);
      checkFinite(where, `"${s.name}" y`, p.y);
      if (p.yErr !== undefined) {
        checkFinite(where, `"${s.name}" yErr`, p.yErr);
        hasErr = true;
        values.push({ series: s.name, x: p.x, y: p.y, lo: p.y - p.yErr, hi: p.y + p.yErr });
      } else {
        values.push({ series: s.name, x: p.x, y: p.y });
      }
    }
  }
  const dashed = options.series.filter((s) => s.dashed).map((s) => s.name);
  const yScale: Record<string, unknown> = { zero: false };
  if (options.yDomain) yScale.domain = [...options.yDomain];
  if (options.yLog) yScale.type = 'log';
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: options.xLabel,
    scale: { zero: false, ...(options.xReversed ? { reverse: true } : {}) },
  };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    sort: options.series.map((s) => s.name),
    legend: { orient: 'bottom' as const, direction: 'vertical' as const },
  };
  const layers: unknown[] = [];
  if (hasErr) {
    layers.push({
      mark: { type: 'area', opacity: 0.18 },
      transform: [{ filter: 'isValid(datum.lo)' }],
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative', title: options.yLabel, scale: yScale },
        y2: { field: 'hi' },
        color,
      },
    });
  }
  layers.push({
    mark: { type: 'line', point: { size: 28 }, strokeWidth: 2, clip: true },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: options.yLabel, scale: yScale },
      color,
      ...(dashed.length > 0
        ? {
            strokeDash: {
              field: 'series',
              type: 'nominal',
              legend: null,
              scale: {
                domain: options.series.map((s) => s.name),
                range: options.series.map((s) => (s.dashed ? [6, 4] : [1, 0])),
              },
            },
          }
        : {}),
      description: { field: 'desc' },
      tooltip: [
        { field: 'series', type: 'nominal', title: 'series' },
        { field: 'x', type: 'quantitative', title: options.xLabel },
        { field: 'y', type: 'quantitative', title: options.yLabel },
      ],
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    transform: [
      {
        calculate: `datum.series + ': ' + ${JSON.stringify(options.xLabel)} + ' = ' + datum.x + ', ' + ${JSON.stringify(options.yLabel)} + ' = ' + datum.y`,
        as: 'desc',
      },
    ],
    layer: layers,
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}

/**
 * A heatmap of a matrix (e.g. the signed square root of swap costs T, or realization costs M).
 * `diverging` centres a diverging colour scale on 0 so negative and positive entries differ in hue.
 * @param options - title, labels and the matrix
 * @returns the SVG document
 * @throws InvalidArgumentError on an empty or ragged matrix or a non-finite entry
 */
export async function heatmap(options: HeatmapOptions): Promise<string> {
  const where = 'heatmap';
  const rows = options.matrix.length;
  const cols = options.matrix[0]?.length ?? 0;
  if (rows === 0 || cols === 0) {
    throw new InvalidArgumentError(
      `${where}: empty matrix — expected at least [1, 1], got [${rows}, ${cols}]`,
    );
  }
  const values: { i: number; j: number; v: number }[] = [];
  options.matrix.forEach((row, i) => {
    if (row.length !== cols) {
      throw new InvalidArgumentError(
        `${where}: ragged matrix — expected ${cols} columns in row ${i}, got ${row.length}`,
      );
    }
    row.forEach((v, j) => {
      checkFinite(where, `matrix[${i}][${j}]`, v);
      values.push({ i, j, v });
    });
  });
  const cell = Math.max(2, Math.min(24, Math.floor(420 / Math.max(rows, cols))));
  const maxAbs = values.reduce((m, d) => Math.max(m, Math.abs(d.v)), 0) || 1;
  const colorScale = options.diverging
    ? {
        scheme: 'redblue',
        domainMid: 0,
        domain: options.domain ? [...options.domain] : [-maxAbs, maxAbs],
        clamp: true,
      }
    : {
        scheme: 'viridis',
        ...(options.domain ? { domain: [...options.domain], clamp: true } : {}),
      };
  const tickEvery = Math.max(1, Math.ceil(Math.max(rows, cols) / 16));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: cell * cols,
    height: cell * rows,
    config: CONFIG,
    data: { values },
    transform: [
      {
        calculate: `'row ' + datum.i + ', column ' + datum.j + ': ' + ${JSON.stringify(options.colorLabel)} + ' = ' + datum.v`,
        as: 'desc',
      },
    ],
    mark: { type: 'rect' },
    encoding: {
      x: {
        field: 'j',
        type: 'ordinal',
        title: options.xLabel,
        axis: { values: range(0, cols, tickEvery), labelAngle: 0 },
      },
      y: {
        field: 'i',
        type: 'ordinal',
        title: options.yLabel,
        axis: { values: range(0, rows, tickEvery) },
      },
      color: { field: 'v', type: 'quantitative', title: options.colorLabel, scale: colorScale },
      description: { field: 'desc' },
    },
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}

/**
 * A bar chart (e.g. matching objectives per layer: optimal, identity and random, grouped by
 * layer). Bars with a `group` are drawn side by side under their `label`; `error` draws ± bars.
 * @param options - title, y label and bars
 * @returns the SVG document
 * @throws InvalidArgumentError on an empty chart or a non-finite value
 */
export async function barChart(options: BarChartOptions): Promise<string> {
  const where = 'barChart';
  if (options.bars.length === 0) {
    throw new InvalidArgumentError(`${where}: nothing to draw — expected at least one bar, got 0`);
  }
  const grouped = options.bars.some((b) => b.group !== undefined);
  const values = options.bars.map((b, k) => {
    checkFinite(where, `bar "${b.label}" value`, b.value);
    if (b.error !== undefined) checkFinite(where, `bar "${b.label}" error`, b.error);
    return {
      k,
      label: b.label,
      group: b.group ?? '',
      value: b.value,
      lo: b.error !== undefined ? b.value - b.error : null,
      hi: b.error !== undefined ? b.value + b.error : null,
    };
  });
  const labels = [...new Set(options.bars.map((b) => b.label))];
  const groups = [...new Set(options.bars.map((b) => b.group ?? ''))];
  const x = {
    field: 'label',
    type: 'nominal' as const,
    title: options.xLabel ?? null,
    sort: labels,
    axis: { labelAngle: labels.some((l) => l.length > 8) ? -30 : 0, labelLimit: 240 },
  };
  const xOffset = grouped
    ? { xOffset: { field: 'group', type: 'nominal' as const, sort: groups } }
    : {};
  const color = grouped
    ? {
        color: {
          field: 'group',
          type: 'nominal' as const,
          title: null,
          sort: groups,
          legend: { orient: 'bottom' as const },
        },
      }
    : {};
  const layers: unknown[] = [
    {
      mark: { type: 'bar' },
      encoding: {
        x,
        ...xOffset,
        y: { field: 'value', type: 'quantitative', title: options.yLabel },
        ...color,
        description: { field: 'desc' },
      },
    },
  ];
  if (values.some((v) => v.lo !== null)) {
    layers.push({
      mark: { type: 'rule', color: '#333' },
      transform: [{ filter: 'datum.lo !== null' }],
      encoding: { x, ...xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: grouped ? { step: Math.max(12, Math.floor(60 / groups.length)) } : { step: 40 },
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    transform: [
      {
        calculate: `datum.label + (datum.group ? ' (' + datum.group + ')' : '') + ': ' + ${JSON.stringify(options.yLabel)} + ' = ' + datum.value`,
        as: 'desc',
      },
    ],
    layer: layers,
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}

/**
 * The signed square root `sign(v)·√|v|` of every entry, the scale the paper uses to draw swap
 * costs T (it keeps the sign of negative swap costs while compressing large ones).
 * @param matrix - row-major matrix
 * @returns a new matrix of the same shape
 */
export function signedSqrt(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => row.map((v) => Math.sign(v) * Math.sqrt(Math.abs(v))));
}

function range(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let v = start; v < end; v += step) out.push(v);
  return out;
}

/**
 * A colour domain `[−m, m]` shared by several signed matrices (e.g. the signed √T of two models),
 * with m their largest magnitude. When every entry is below 1e−6 in magnitude — exact zeros up to
 * float rounding, such as the swap costs of a dense layer, where T ≡ 0 — m is 1, so rounding
 * noise is drawn as the zero colour instead of being stretched over the whole scale.
 * @param matrices - the matrices drawn with this domain
 * @returns `[−m, m]`
 */
export function symmetricDomain(
  matrices: readonly (readonly (readonly number[])[])[],
): [number, number] {
  let m = 0;
  for (const mat of matrices)
    for (const row of mat)
      for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  const r = m < 1e-6 ? 1 : m;
  return [-r, r];
}
