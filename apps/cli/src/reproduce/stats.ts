/** Mean and sample standard deviation (ddof = 1; 0 for a single value) of a list of numbers. */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** Mean and sample std (ddof = 1) of `values`; `{mean: NaN}` is never returned for an empty list — it throws. */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) throw new RangeError('meanStd: no values — expected at least one, got 0');
  let s = 0;
  for (const v of values) s += v;
  const mean = s / n;
  if (n === 1) return { mean, std: 0, n };
  let q = 0;
  for (const v of values) q += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(q / (n - 1)), n };
}

/** Elementwise mean of equally long number lists. */
export function meanCurve(curves: readonly (readonly number[])[]): number[] {
  const first = curves[0];
  if (!first) throw new RangeError('meanCurve: no curves — expected at least one, got 0');
  return first.map((_, i) => meanStd(curves.map((c) => c[i]!)).mean);
}

/** Quantile by linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0)
    throw new RangeError('quantile: no values — expected at least one, got 0');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Formats a number with `digits` decimals (and a true minus sign for negatives). */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const s = x.toFixed(digits);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** `mean ± std` with `digits` decimals. */
export function fmtMs(m: MeanStd, digits = 2): string {
  return `${fmt(m.mean, digits)} ± ${fmt(m.std, digits)}`;
}

/** A markdown table; a `|` inside a cell (e.g. `|signed √T|`) is escaped so it cannot split the cell. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
