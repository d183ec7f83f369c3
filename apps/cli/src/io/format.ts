/** Plain-text tables and number formatting for the CLI's human-readable output. */

/** Column alignment. */
export type Align = 'left' | 'right';

/**
 * A plain-text table with a header rule; numbers right-aligned by default.
 * @param header - column titles
 * @param rows - cells (already formatted strings)
 * @param align - per column; default: right for columns whose cells look numeric
 * @returns the table, one line per row, without a trailing newline
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = header.map((h, c) => Math.max(len(h), ...rows.map((r) => len(r[c] ?? ''))));
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((r) => /^[-+−]?[\d.,]+%?$|^—$|^n\/a$/.test(r[c] ?? '')),
  );
  const al = header.map((_, c) => align?.[c] ?? (numeric[c] ? 'right' : 'left'));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) =>
        al[c] === 'right' ? pad(cell, widths[c]!, true) : pad(cell, widths[c]!, false),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function len(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, left: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - len(s)));
  return left ? fill + s : s + fill;
}

/** A number with `digits` decimals, or `—` for null/undefined/non-finite. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const s = v.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}

/** A signed number (`+1.23`, `−0.50`). */
export function signed(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const s = fmt(Math.abs(v), digits);
  return v < 0 && Number(s) !== 0 ? `-${s}` : `+${s}`;
}

/** An integer with thousands separators. */
export function int(v: number): string {
  return v.toLocaleString('en-US');
}

/** Seconds, human-readable: `3.2 s`, `2 min 05 s`. */
export function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
}
