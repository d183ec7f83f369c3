import { describe, expect, it } from 'vitest';
import { barChart, heatmap, lineChart, signedSqrt } from './index.js';

function labels(svg: string): string[] {
  return [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);
}

describe('plots', () => {
  it('lineChart renders an SVG with every point of every series', async () => {
    const svg = await lineChart({
      title: 'LMC',
      xLabel: 'λ',
      yLabel: 'accuracy (%)',
      series: [
        {
          name: 'unaligned',
          points: [
            { x: 0, y: 99.5 },
            { x: 0.5, y: 94.25 },
            { x: 1, y: 99.75 },
          ],
        },
        {
          name: 'aligned',
          points: [
            { x: 0, y: 99.5, yErr: 0.5 },
            { x: 0.5, y: 98.125, yErr: 0.25 },
            { x: 1, y: 99.75, yErr: 0.1 },
          ],
        },
      ],
    });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const l = labels(svg);
    expect(l).toContain('unaligned: λ = 0.5, accuracy (%) = 94.25');
    expect(l).toContain('aligned: λ = 0.5, accuracy (%) = 98.125');
    expect(svg).toContain('LMC');
  });

  it('lineChart rejects non-finite points and empty charts', async () => {
    await expect(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).rejects.toThrow(
      /nothing to draw/,
    );
    await expect(
      lineChart({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 's', points: [{ x: 0, y: Number.NaN }] }],
      }),
    ).rejects.toThrow(/finite/);
  });

  it('heatmap draws one cell per entry with its value', async () => {
    const svg = await heatmap({
      title: 'swap costs',
      matrix: signedSqrt([
        [0, 4],
        [-9, 0],
      ]),
      xLabel: 'neuron j',
      yLabel: 'neuron i',
      colorLabel: 'signed √T',
      diverging: true,
    });
    const l = labels(svg);
    expect(l).toContain('row 0, column 1: signed √T = 2');
    expect(l).toContain('row 1, column 0: signed √T = -3');
    expect(() => signedSqrt([[1]])).not.toThrow();
    await expect(
      heatmap({ title: 't', matrix: [[1, 2], [3]], xLabel: 'x', yLabel: 'y', colorLabel: 'c' }),
    ).rejects.toThrow(/ragged/);
  });

  it('barChart draws grouped bars with error bars', async () => {
    const svg = await barChart({
      title: 'matching objective',
      yLabel: 'mean correlation',
      bars: [
        { label: 'layer 0', group: 'optimal', value: 0.8 },
        { label: 'layer 0', group: 'identity', value: 0.75 },
        { label: 'layer 0', group: 'random', value: 0.01, error: 0.02 },
      ],
    });
    const l = labels(svg);
    expect(l).toContain('layer 0 (identity): mean correlation = 0.75');
    expect(l).toContain('layer 0 (random): mean correlation = 0.01');
  });
});
